# Evaluates a scenario's alert rules on a run's timeseries.csv (Prometheus-like: fires when the
# condition held for "for"), as a cross-check of summary.json's availability_report.alerts.
# Usage: python3 check_alerts.py SCENARIO.json OUT_DIR
import csv,collections,json,sys
d=collections.defaultdict(dict)
for r in csv.DictReader(open(sys.argv[2]+'/timeseries.csv')):
    d[int(float(r['time_s']))][r['component']+'.'+r['metric']]=float(r['value'])
sc=json.load(open(sys.argv[1]))
import re
def dur(s):
    m=re.match(r'([\d.]+)(ms|s|m|h)?',s); v=float(m.group(1)); u=m.group(2) or 's'
    return v*{'ms':1e-3,'s':1,'m':60,'h':3600}[u]
for a in sc['alerts']:
    hold=dur(a.get('for','0s')); since=None; fired=[]
    for t in sorted(d):
        v=d[t].get(a['metric'])
        c= v is not None and (v>a['threshold'] if a.get('op','>')=='>' else v<a['threshold'])
        if c:
            if since is None: since=t
            if t-since>=hold and (not fired or fired[-1][1] is not None and fired[-1][1]<since): fired.append([t,None])
        else:
            if fired and fired[-1][1] is None: fired[-1][1]=t
            since=None
    print(a['name'], 'fired', len(fired), 'first', fired[0] if fired else None)
