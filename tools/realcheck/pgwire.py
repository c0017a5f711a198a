"""A minimal PostgreSQL client for the real check: the frontend/backend protocol version 3,
simple query only, trust authentication (the check's pg_hba.conf and PgBouncer's auth_type).

Written here rather than taken from a driver so that the load generators need nothing beyond
Python and can keep hundreds of connections open on one asyncio loop. What it speaks
(PostgreSQL's documentation, "Frontend/Backend Protocol", "Message Formats"):
  StartupMessage (protocol 196608, user, database) -> AuthenticationOk, ParameterStatus...,
  BackendKeyData, ReadyForQuery; Query 'Q' -> RowDescription, DataRow..., CommandComplete or
  ErrorResponse, then ReadyForQuery 'Z'; Terminate 'X'.
An ErrorResponse before the startup ends (PostgreSQL's "too many clients", SQLSTATE 53300)
is raised as PgError with its code; a connection closed by the server (PgBouncer's
query_wait_timeout sends an ErrorResponse, then closes) as PgError too.
"""
import asyncio
import struct


class PgError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


def _error_fields(body):
    fields = {}
    for part in body.split(b"\0"):
        if part:
            fields[chr(part[0])] = part[1:].decode(errors="replace")
    return PgError(fields.get("C", "?????"), fields.get("M", ""))


class Connection:
    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port, user="postgres", database="postgres", timeout=10.0):
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        conn = cls(reader, writer)
        params = b"user\0" + user.encode() + b"\0database\0" + database.encode() + b"\0\0"
        writer.write(struct.pack("!ii", 8 + len(params), 196608) + params)
        try:
            await asyncio.wait_for(conn._until_ready(), timeout)
        except BaseException:
            conn.close()
            raise
        return conn

    async def _message(self):
        head = await self.reader.readexactly(5)
        kind, length = head[:1], struct.unpack("!i", head[1:])[0]
        return kind, await self.reader.readexactly(length - 4)

    async def _until_ready(self):
        """Reads to ReadyForQuery; returns the rows (lists of text) and raises the first error."""
        rows, error = [], None
        while True:
            try:
                kind, body = await self._message()
            except (asyncio.IncompleteReadError, ConnectionError) as e:
                raise error or PgError("08006", f"connection closed ({e.__class__.__name__})")
            if kind == b"R":
                if struct.unpack("!i", body[:4])[0] != 0:
                    raise PgError("28000", "only trust authentication is spoken here")
            elif kind == b"D":
                n = struct.unpack("!h", body[:2])[0]
                pos, row = 2, []
                for _ in range(n):
                    size = struct.unpack("!i", body[pos:pos + 4])[0]
                    pos += 4
                    row.append(None if size < 0 else body[pos:pos + size].decode())
                    pos += max(0, size)
                rows.append(row)
            elif kind == b"E":
                error = _error_fields(body)
            elif kind == b"Z":
                if error:
                    raise error
                return rows

    async def query(self, sql):
        self.writer.write(b"Q" + struct.pack("!i", 4 + len(sql) + 1) + sql.encode() + b"\0")
        return await self._until_ready()

    def close(self):
        try:
            self.writer.write(b"X\0\0\0\4")
            self.writer.close()
        except (OSError, RuntimeError):
            pass


async def query_once(port, sql, user="postgres", database="postgres", timeout=10.0):
    """One connection, one query, closed: for set-up and for reading statistics."""
    conn = await Connection.open(port, user, database, timeout)
    try:
        return await asyncio.wait_for(conn.query(sql), timeout)
    finally:
        conn.close()


def run_sql(port, sql, user="postgres", database="postgres", timeout=10.0):
    return asyncio.run(query_once(port, sql, user, database, timeout))
