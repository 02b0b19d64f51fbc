"""The fake's file uploads, as ``files_upload_v2`` makes them: ``files.getUploadURLExternal``
hands out an upload URL on the fake, the client POSTs the bytes there, and
``files.completeUploadExternal`` shares the file into a channel (or a thread) as a message."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.testing.slack.wire import SlackError

UPLOAD_PREFIX = "/upload/"


@dataclass
class FakeFile:
    """One file the app uploaded: its bytes once POSTed, where it was shared once completed."""

    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None
    shared_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class FileMethods:
    """Mixed into ``FakeSlack``: the two Web API methods and the upload route."""

    files: dict[str, FakeFile]
    _file_ids: itertools.count[int]

    def _init_files(self) -> None:
        self.files = {}
        self._file_ids = itertools.count(1)

    def _file_methods(self) -> dict[str, Any]:
        return {
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

    def shared_files(self, channel: str | None = None) -> list[FakeFile]:
        """Files shared into a channel (every channel when ``channel`` is None), oldest first."""
        return [
            file
            for file in self.files.values()
            if file.shared_at is not None and (channel is None or file.channel == channel)
        ]

    async def _get_upload_url(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        filename, length = args.get("filename"), args.get("length")
        if not filename or length in (None, ""):
            raise SlackError("invalid_arguments")
        file_id = f"F{next(self._file_ids):08d}"
        self.files[file_id] = FakeFile(file_id, str(filename), int(length))
        base_url: str = self.base_url  # type: ignore[attr-defined]
        return {"upload_url": f"{base_url}{UPLOAD_PREFIX}{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        file = self.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="unknown upload", content_type="text/plain")
        file.content = await request.read()
        if len(file.content) != file.length:
            # Slack checks the announced length; a mismatch fails the upload
            return web.Response(status=400, text="length mismatch", content_type="text/plain")
        return web.Response(text=f"OK - {len(file.content)}", content_type="text/plain")

    async def _complete_upload(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        wanted = args.get("files")
        if not isinstance(wanted, list) or not wanted:
            raise SlackError("invalid_arguments")
        channel = args.get("channel_id") or args.get("channels")
        if channel:
            channel = self._channel_id({"channel": channel})  # type: ignore[attr-defined]
        completed = []
        for item in wanted:
            file = self.files.get(str(item.get("id")))
            if file is None or file.content is None:
                raise SlackError("file_not_found")
            completed.append((file, item))
        shared = []
        for file, item in completed:
            file.title = item.get("title") or file.filename
            if channel:
                file.channel, file.shared_at = str(channel), time.time()
                file.thread_ts = args.get("thread_ts") or None
                file.initial_comment = args.get("initial_comment") or None
            shared.append(
                {"id": file.id, "name": file.filename, "title": file.title, "size": file.length}
            )
        if channel:
            message = self._new_message(  # type: ignore[attr-defined]
                str(channel),
                {
                    "text": args.get("initial_comment") or shared[0]["title"],
                    "thread_ts": args.get("thread_ts"),
                },
            )
            message["files"] = shared
        return {"files": shared}
