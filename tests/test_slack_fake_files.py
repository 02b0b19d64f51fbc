"""The fake Slack's file uploads through the real slack_sdk client's ``files_upload_v2``."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.testing.slack import GENERAL_ID, FakeSlack, web_client


async def test_files_upload_v2_shares_the_bytes_into_the_channel() -> None:
    async with FakeSlack() as fake:
        client = web_client(fake)
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
        answer = await client.files_upload_v2(
            channel=GENERAL_ID,
            file=png,
            filename="board.png",
            title="Leaderboard",
            initial_comment="This week",
        )
        assert answer["file"]["title"] == "Leaderboard"
        methods = [call.method for call in fake.requests]
        assert methods == ["files.getUploadURLExternal", "files.completeUploadExternal"]
        (shared,) = fake.shared_files(GENERAL_ID)
        assert shared.content == png and shared.filename == "board.png"
        (message,) = fake.messages[GENERAL_ID]
        assert message["text"] == "This week"
        assert [f["id"] for f in message["files"]] == [shared.id]


async def test_completing_an_upload_that_never_happened_is_file_not_found() -> None:
    async with FakeSlack() as fake:
        client = web_client(fake)
        ticket = await client.files_getUploadURLExternal(filename="x.csv", length=3)
        with pytest.raises(SlackApiError) as raised:
            await client.files_completeUploadExternal(
                files=[{"id": ticket["file_id"], "title": "x"}], channel_id=GENERAL_ID
            )
        assert raised.value.response["error"] == "file_not_found"
        assert fake.shared_files() == []


async def test_an_upload_into_an_unknown_channel_is_refused() -> None:
    async with FakeSlack() as fake:
        client = web_client(fake)
        with pytest.raises(SlackApiError) as raised:
            await client.files_upload_v2(channel="C0NOPE", content="a,b\n", filename="x.csv")
        assert raised.value.response["error"] == "channel_not_found"
