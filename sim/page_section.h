// What a component says the page should show of it: a section of small charts of its own
// series and a line of headline figures, declared by its family where its metrics are, so
// that reports/ draws whatever is declared and names no family (OMNeT++'s @statistic and
// @display properties play this part there: the module declares, the tools render).
// summary.json carries it as the component's "page" (reports/summary.cpp); the page's
// declared sections (reports/page/datatier.js) and its what-if plots read it. A component
// goes in the section its family names (in_section: "Functions", "Autoscaling"), or, when
// it names none, in the data tier, the section of the data stores.
//
// Plain data: nothing here runs during a run.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace archsim {

struct PageSection {
  // One small chart: the component's series named in `series` (an exact name, or a pattern
  // written /regex/ that the page tests against every series of the component), in that
  // order; series that stayed at zero are left out, and the chart with them.
  struct Panel {
    std::string title, ylabel, caption;
    std::vector<std::string> series;
    std::vector<std::string> capacity;  // figures of the component drawn as capacity lines
    bool percent = false;               // a share: the axis in percent, from 0 to 1
    bool varies = false;                // drawn only when some series changes over the run
  };
  // A figure of the component's summary (a dotted path) with its label; `unit` is "pct",
  // "ms" or "" (a count). `compare`: also plotted against a varied number in compare.
  struct Headline {
    std::string figure, label, unit;
    bool compare = false;
  };
  // The page's section the component is drawn in: its anchor (a lower-case word), its title,
  // and a sentence under the title saying what the section shows (the first component of the
  // section that gives one is shown). All empty: the data tier.
  struct Section {
    std::string id, title, intro;
  };
  Section section;
  std::vector<Panel> panels;
  std::vector<Headline> headlines;

  bool empty() const { return panels.empty() && headlines.empty(); }
  PageSection& in_section(std::string id, std::string title, std::string intro) {
    section = Section{std::move(id), std::move(title), std::move(intro)};
    return *this;
  }
  // Adds a panel; percent(), varies() and capacity() then qualify the panel added last.
  PageSection& panel(std::string title, std::string ylabel, std::vector<std::string> series, std::string caption = "") {
    panels.push_back(Panel{std::move(title), std::move(ylabel), std::move(caption), std::move(series), {}, false, false});
    return *this;
  }
  PageSection& percent() {
    panels.back().percent = true;
    return *this;
  }
  PageSection& varies() {
    panels.back().varies = true;
    return *this;
  }
  PageSection& capacity(std::vector<std::string> figures) {
    panels.back().capacity = std::move(figures);
    return *this;
  }
  PageSection& headline(std::string figure, std::string label, std::string unit = "", bool compare = false) {
    headlines.push_back(Headline{std::move(figure), std::move(label), std::move(unit), compare});
    return *this;
  }
};

}  // namespace archsim
