"""A minimal MariaDB client for the real check: the MySQL client/server protocol 4.1, a
handshake with no password (the check's server runs without grant tables), COM_QUERY with
several statements (CLIENT_MULTI_STATEMENTS) and text result sets.

Written here, as pgwire.py is, so that the load generator needs nothing beyond Python.
What it speaks (MariaDB's "Client/Server Protocol" pages): the server's handshake packet,
HandshakeResponse41, then COM_QUERY (0x03) answered per statement by an OK (0x00), an ERR
(0xFF: its error code, e.g. 1213 ER_LOCK_DEADLOCK, 1205 ER_LOCK_WAIT_TIMEOUT, raised as
MyError) or a result set (column count, column definitions, EOF, rows, EOF), each OK or EOF
saying in its status whether more results follow (SERVER_MORE_RESULTS_EXISTS); COM_QUIT (0x01).
An error ends the statements of the query: the rest are not run.
"""
import asyncio
import struct

CLIENT_LONG_PASSWORD = 1
CLIENT_PROTOCOL_41 = 0x200
CLIENT_TRANSACTIONS = 0x2000
CLIENT_SECURE_CONNECTION = 0x8000
CLIENT_MULTI_STATEMENTS = 0x10000
CLIENT_MULTI_RESULTS = 0x20000
MORE_RESULTS = 0x0008


class MyError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code} {message}")
        self.code = code


class Connection:
    def __init__(self, reader, writer):
        self.reader, self.writer, self.seq = reader, writer, 0

    async def _read(self):
        head = await self.reader.readexactly(4)
        n = head[0] | head[1] << 8 | head[2] << 16
        self.seq = (head[3] + 1) & 0xFF
        return await self.reader.readexactly(n)

    def _write(self, payload):
        self.writer.write(struct.pack("<I", len(payload))[:3] + bytes([self.seq]) + payload)
        self.seq = (self.seq + 1) & 0xFF

    @classmethod
    async def open(cls, port, user="root", timeout=10.0):
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        c = cls(reader, writer)
        await asyncio.wait_for(c._read(), timeout)  # the server's handshake: nothing in it is needed here
        caps = (CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_TRANSACTIONS | CLIENT_SECURE_CONNECTION
                | CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS)
        c._write(struct.pack("<IIB", caps, 1 << 24, 33) + b"\0" * 23 + user.encode() + b"\0" + b"\0")
        ok = await asyncio.wait_for(c._read(), timeout)
        if ok[0] == 0xFF:
            raise MyError(struct.unpack("<H", ok[1:3])[0], ok[9:].decode(errors="replace"))
        return c

    @staticmethod
    def _lenenc(buf, pos):
        b = buf[pos]
        if b < 0xFB:
            return b, pos + 1
        if b == 0xFB:
            return None, pos + 1
        size = {0xFC: 2, 0xFD: 3, 0xFE: 8}[b]
        return int.from_bytes(buf[pos + 1:pos + 1 + size], "little"), pos + 1 + size

    async def query(self, sql):
        """Runs `sql` (statements separated by ;); returns every row of every result as text."""
        self.seq = 0
        self._write(b"\x03" + sql.encode())
        rows = []
        while True:
            pkt = await self._read()
            if pkt[0] == 0xFF:
                raise MyError(struct.unpack("<H", pkt[1:3])[0], pkt[9:].decode(errors="replace"))
            if pkt[0] == 0x00:
                _, pos = self._lenenc(pkt, 1)
                _, pos = self._lenenc(pkt, pos)
                status = struct.unpack("<H", pkt[pos:pos + 2])[0]
            else:
                ncols, _ = self._lenenc(pkt, 0)
                for _ in range(ncols):
                    await self._read()
                await self._read()  # EOF after the column definitions
                while True:
                    pkt = await self._read()
                    if pkt[0] == 0xFE and len(pkt) < 9:
                        status = struct.unpack("<H", pkt[3:5])[0]
                        break
                    if pkt[0] == 0xFF:
                        raise MyError(struct.unpack("<H", pkt[1:3])[0], pkt[9:].decode(errors="replace"))
                    pos, row = 0, []
                    for _ in range(ncols):
                        n, pos = self._lenenc(pkt, pos)
                        row.append(None if n is None else pkt[pos:pos + n].decode())
                        pos += n or 0
                    rows.append(row)
            if not status & MORE_RESULTS:
                return rows

    def close(self):
        try:
            self.seq = 0
            self._write(b"\x01")
            self.writer.close()
        except (OSError, RuntimeError):
            pass
