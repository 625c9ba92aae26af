"""ASR vendor JSON: file-transcription results of Alibaba Cloud, Tencent Cloud and iFlytek (SPEC format 4).

A `.json` (or `.jsonl`) file is recognised by its content, not its name: `detect_vendor` is the one
place that tells a vendor result from a native call, and `native.read_json` asks it first.

What is accepted, per vendor (keys as the vendors document them; Alibaba keys also in camelCase
or snake_case, as its callbacks write them):

- **Alibaba** 录音文件识别 (GetTaskResult / callback): the whole response
  `{"TaskId", "StatusText": "SUCCESS", "Result": {"Sentences": [...]}}`, the same with `Result`
  as a JSON string, the bare `Result` `{"Sentences": [...]}`, the version 2.0 callback
  `{"task_id", "status_text", "result": [...]}` (snake_case, `result` the sentence list itself),
  and a bare JSON array of sentences (how they are kept in a database). A sentence has `Text`,
  `BeginTime`/`EndTime` (ms), `ChannelId`, optional `SpeakerId`, `SpeechRate`, `EmotionValue`,
  `SilenceDuration`.
- **Tencent** 录音文件识别 DescribeTaskStatus: `{"Response": {"Data": ...}}`, `{"Data": ...}`,
  the bare Data `{"TaskId", "Status", "StatusStr", "ResultDetail": [...]}` or a bare array of
  ResultDetail items. A sentence has `FinalSentence`, `StartMs`/`EndMs`, `SpeakerId`,
  `SpeechSpeed`, `SilenceTime`, `EmotionalEnergy`. Without `ResultDetail` (ResTextFormat 0) the
  `Result` text `[0:1.020,0:3.560,0]  文本` lines are read instead.
- **iFlytek** lfasr getResult: `{"code", "content": {"orderInfo", "orderResult"}}`, `{"orderResult"}`
  or the parsed orderResult `{"lattice": [...]}`. `orderResult` and each `lattice[].json_1best`
  are JSON strings (or already objects); a sentence is `st {bg, ed, rl, rt[].ws[].cw[].w}`
  (bg/ed ms, strings or integers). Also the `lattices[].json_cn1best` form, whose `st` holds
  `ws` directly. `lattice` (the smoothed result) is read first, then `lattices`, and `lattice2`
  (unsmoothed) only when neither has sentences. Words tagged `wp: "g"` (a paragraph mark) or
  `wp: "s"` (a filler the smoothing marks: 嗯, 啊) are left out. An order with status -1 is
  refused with its failType explained, except failType 11 (no quality-check or translation
  add-on was asked for) when its orderResult is there: that transcript is complete. The old
  lfasr v1 getResult (`{"data": "[{bg, ed, onebest, speaker}]"}`) is read too, and so is its
  `data` array alone.

Units: every vendor time in ms becomes seconds (`/ 1000`). One vendor sentence is one Turn, in
order of start time (a dual-channel result may list a channel's sentences together); nothing
is merged. Sentences with no text (noise) are left out and counted in `metadata["asr_empty_sentences"]`.

Speakers: each vendor's channel or speaker number becomes a 0-based *speaker index*:
Alibaba `ChannelId` as written (a mono result with speaker diarization, one ChannelId and several
`SpeakerId`s: the rank of the SpeakerId, lowest = 0); Tencent `SpeakerId` as written; iFlytek
`rl`/`speaker` minus 1 (numbered from 1 when role separation is on; 0 on every sentence means role
separation was off, and the file is rejected: agent and customer cannot be told apart), except
that a dual-channel order's `label.rl_track` (`[{"rl": "1", "track": "R"}, …]`) decides: the
index is the audio channel of the sentence's role (track L = 0, R = 1), and `Turn.extra` keeps
the role number. The index equal to `RoleMap.agent_channel` (default 0; scheme
`asr: {agent_channel: N}`; `qa-check audit --agent-channel N`) is the agent, every other index
the customer.

Per-turn vendor facts go to `Turn.extra` under neutral names and units: `channel` (the vendor's
number as written), `speech_rate` (characters per minute), `emotion` (the vendor's 1–10 energy),
`silence_before` (seconds of silence before the sentence). Per call: `metadata["asr_vendor"]`,
`metadata["asr_task_id"]`. Top-level `call_id`, `agent_id`, `agent_name`, `team`, `started_at`,
`direction`, `metadata` keys next to a vendor result are honoured, so a pipeline may stamp them in.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model import AGENT, CUSTOMER, Call, Turn, Turns
from .records import MAX_TURN_CHARS, check_direction, check_started_at, check_turn_text
from .roles import RecordError, RoleMap
from .text import parse_timestamp

__all__ = ["detect_vendor", "asr_call", "parse_vendor", "VENDORS", "Sentence", "Transcript"]


@dataclass(frozen=True)
class Sentence:
    """One vendor sentence, units already converted: times in seconds, speaker as a 0-based index."""

    text: str
    start: float | None
    end: float | None
    speaker: int
    where: str  # the sentence's place in the vendor JSON, for messages: "Result.Sentences[3]"
    line: int | None = None  # 1-based line in the file, when it can be told
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Transcript:
    vendor: str
    sentences: list[Sentence]
    task_id: str | None = None


@dataclass(frozen=True)
class Vendor:
    name: str
    title: str
    detect: Callable[[Any], bool]
    parse: Callable[[Any, "str | None"], Transcript]  # (data, raw file text for line numbers)


# --------------------------------------------------------------------------- entry points


def detect_vendor(data: Any) -> str | None:
    """The vendor whose result `data` is, or None (a native call, or nothing known)."""
    if isinstance(data, list):
        return sentence_list_vendor(data)
    if not isinstance(data, dict) or "turns" in data or "calls" in data:
        return None
    for vendor in VENDORS.values():
        if vendor.detect(data):
            return vendor.name
    return None


def parse_vendor(data: Any, vendor: str, text: str | None = None) -> Transcript:
    return VENDORS[vendor].parse(data, text)


def sentence_list_vendor(data: Any) -> str | None:
    """The vendor whose sentences a bare JSON array holds, or None (a list of calls, or anything
    else). How results are often stored in a database: only Alibaba's `Sentences`, iFlytek v1's
    `data` items or Tencent's `ResultDetail`, without the response around them."""
    if not isinstance(data, list) or not data or not isinstance(data[0], dict) or "turns" in data[0]:
        return None
    keys = {_canon(k) for k in data[0] if isinstance(k, str)}
    for vendor, marks in _SENTENCE_KEYS:
        if marks <= keys:
            return vendor
    return None


# The keys that make the first element of a bare array a vendor's sentence (compared as `_canon`).
_SENTENCE_KEYS = (
    ("alibaba", {"begintime", "text"}),
    ("tencent", {"finalsentence", "startms"}),
    ("iflytek", {"bg", "onebest"}),
)


def _unwrap_list(data: list, vendor: str) -> dict:
    """A bare sentence array in the response the vendor's parser reads."""
    if vendor == "alibaba":
        return {"Sentences": data}
    if vendor == "tencent":
        return {"ResultDetail": data}
    return {"err_no": 0, "data": data}


def asr_call(
    data: dict[str, Any],
    vendor: str,
    roles: RoleMap,
    source: str,
    line: int | None,
    default_id: str | None = None,
    text: str | None = None,
) -> Call:
    """A Call from one vendor result; raises RecordError saying what is wrong and where."""
    title = VENDORS[vendor].title
    if isinstance(data, list):
        data = _unwrap_list(data, vendor)
    try:
        transcript = parse_vendor(data, vendor, text)
    except RecordError as exc:
        raise RecordError(f"{title} result: {exc}", exc.line or line) from None
    call_id = data.get("call_id") or default_id or transcript.task_id
    if call_id is None or not str(call_id).strip():
        raise RecordError(f"{title} result has no call id (no `call_id` key, no TaskId, and no file name to use)", line)
    spoken = [s for s in transcript.sentences if s.text.strip()]
    if not spoken:
        raise RecordError(f"{title} result has no recognised speech (no sentence with text)", line)
    if all(s.start is not None for s in spoken):
        spoken.sort(key=lambda s: s.start)  # type: ignore[arg-type,return-value]  # stable: file order breaks ties
    for s in spoken:
        if len(s.text) > MAX_TURN_CHARS:
            try:
                check_turn_text(s.text, s.where, s.line or line)
            except RecordError as exc:
                raise RecordError(f"{title} result: {exc}", exc.line) from None
    turns = tuple(
        Turn(
            speaker=AGENT if s.speaker == roles.agent_channel else CUSTOMER,
            text=s.text,
            start=s.start,
            end=s.end,
            line=s.line,
            extra=s.extra,
        )
        for s in spoken
    )
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise RecordError("metadata must be an object", line)
    metadata = {"asr_vendor": vendor, **({"asr_task_id": transcript.task_id} if transcript.task_id else {}), **metadata}
    empty = len(transcript.sentences) - len(spoken)
    if empty:
        metadata["asr_empty_sentences"] = empty
    return Call(
        call_id=str(call_id).strip(),
        turns=Turns.of(turns),
        agent_id=_opt_str(data.get("agent_id")),
        agent_name=_opt_str(data.get("agent_name")),
        team=_opt_str(data.get("team")),
        started_at=check_started_at(data.get("started_at"), line),
        direction=check_direction(data.get("direction"), line),
        metadata=metadata,
        source=source,
        line=line,
    )


# --------------------------------------------------------------------------- Alibaba


def _alibaba_detect(data: dict) -> bool:
    if _get(data, "Sentences") is not None or _get(data, "StatusText") is not None:
        return True  # the bare Result, or a whole response (a failed task's has no Result)
    result = _get(data, "Result")
    if isinstance(result, dict):
        return _get(result, "Sentences") is not None
    return isinstance(result, str) and "sentences" in result.lower()


def _alibaba_parse(data: dict, text: str | None) -> Transcript:
    task_id = _opt_str(_get(data, "TaskId"))
    status = _get(data, "StatusText")
    if status is not None and str(status).upper() != "SUCCESS":
        code = _get(data, "StatusCode")
        if str(status).upper() == "SUCCESS_WITH_NO_VALID_FRAGMENT":
            raise RecordError(f"task {task_id or '?'} recognised no speech (StatusText {status})", None)
        raise RecordError(
            f"task {task_id or '?'} did not succeed: StatusText {status}" + (f", StatusCode {code}" if code else ""),
            None,
        )
    result: Any = data
    where = ""
    if _get(data, "Sentences") is None:
        result = _get(data, "Result")
        where = "Result."
        if isinstance(result, str):
            try:
                result = json.loads(result)
            except json.JSONDecodeError as exc:
                raise RecordError(
                    f"`Result` is a string but not JSON ({exc.msg} at column {exc.colno})", None
                ) from None
            text = None  # line numbers inside an embedded string mean nothing
        if isinstance(result, list):  # the version 2.0 callback: `result` is the sentence list
            result, where = {"Sentences": result}, "result"
        elif not isinstance(result, dict):
            raise RecordError(f"`Result` must be an object with `Sentences`, got {type(result).__name__}", None)
    sentences = _get(result, "Sentences")
    listed = where if where == "result" else f"{where}Sentences"
    if not isinstance(sentences, list):
        raise RecordError(f"`{listed}` must be a list, got {type(sentences).__name__}", None)
    lines = _key_lines(text, "BeginTime", len(sentences))
    raw: list[tuple[dict, str, int | None]] = []
    for i, s in enumerate(sentences):
        here = f"{listed}[{i}]"
        if not isinstance(s, dict):
            raise RecordError(f"{here}: a sentence is an object, got {type(s).__name__}", lines[i])
        raw.append((s, here, lines[i]))
    channels = {_get(s, "ChannelId") for s, _, _ in raw}
    speakers = sorted(
        {_int(_get(s, "SpeakerId"), f"{w}.SpeakerId", ln) for s, w, ln in raw if _get(s, "SpeakerId") not in (None, "")}
    )
    diarized = len(channels) <= 1 and len(speakers) > 1
    out = []
    for s, here, ln in raw:
        channel = _int(_get(s, "ChannelId"), f"{here}.ChannelId", ln, default=0)
        if diarized:
            sid = _get(s, "SpeakerId")
            if sid in (None, ""):
                raise RecordError(f"{here}: no SpeakerId, while other sentences of this mono result have one", ln)
            speaker = speakers.index(_int(sid, f"{here}.SpeakerId", ln))
        else:
            speaker = channel
        start, end = _span_ms(_get(s, "BeginTime"), _get(s, "EndTime"), here, ("BeginTime", "EndTime"), ln)
        extra = {"channel": channel}
        if _get(s, "SpeakerId") not in (None, ""):
            extra["speaker_id"] = _get(s, "SpeakerId")
        _put_number(extra, "speech_rate", _get(s, "SpeechRate"))  # characters per minute
        _put_number(extra, "emotion", _get(s, "EmotionValue"))  # 1–10
        _put_number(extra, "silence_before", _get(s, "SilenceDuration"))  # seconds
        out.append(Sentence(_text(_get(s, "Text"), f"{here}.Text", ln), start, end, speaker, here, ln, extra))
    return Transcript("alibaba", out, task_id)


# --------------------------------------------------------------------------- Tencent


def _tencent_data(data: dict) -> Any:
    if "Response" in data and isinstance(data["Response"], dict):
        data = data["Response"]
        error = data.get("Error")
        if isinstance(error, dict):
            raise RecordError(
                f"the request failed: {error.get('Code', '?')}: {error.get('Message', '')}".rstrip(": "), None
            )
    if "Data" in data:
        data = data["Data"]
    return data


def _tencent_detect(data: dict) -> bool:
    response = data.get("Response")
    if isinstance(response, dict):
        return "Data" in response or "Error" in response
    inner = data.get("Data", data)
    return isinstance(inner, dict) and ("ResultDetail" in inner or "StatusStr" in inner)


_TENCENT_LINE = re.compile(r"^\s*\[\s*([\d:.]+)\s*,\s*([\d:.]+)\s*(?:,\s*(\d+)\s*)?\]\s*(.*?)\s*$")


def _tencent_parse(data: dict, text: str | None) -> Transcript:
    data = _tencent_data(data)
    if not isinstance(data, dict):
        raise RecordError(f"`Data` must be an object, got {type(data).__name__}", None)
    task_id = _opt_str(data.get("TaskId"))
    status = data.get("Status")
    status_str = str(data.get("StatusStr") or "")
    if status == 3 or status_str.lower() == "failed":
        raise RecordError(f"task {task_id or '?'} failed: {data.get('ErrorMsg') or 'no ErrorMsg'}", None)
    if status in (0, 1) or status_str.lower() in ("waiting", "doing"):
        raise RecordError(
            f"task {task_id or '?'} is not finished (StatusStr {status_str or status}): fetch the result again later",
            None,
        )
    detail = data.get("ResultDetail")
    if not detail and (detail is None or data.get("Result")):  # ResTextFormat 0: only the Result text
        return Transcript("tencent", _tencent_result_text(data.get("Result")), task_id)
    if not isinstance(detail, list):
        raise RecordError(f"`ResultDetail` must be a list, got {type(detail).__name__}", None)
    lines = _key_lines(text, "FinalSentence", len(detail))
    out = []
    for i, s in enumerate(detail):
        here, ln = f"ResultDetail[{i}]", lines[i]
        if not isinstance(s, dict):
            raise RecordError(f"{here}: a sentence is an object, got {type(s).__name__}", ln)
        channel = _int(s.get("SpeakerId"), f"{here}.SpeakerId", ln, default=0)
        start, end = _span_ms(s.get("StartMs"), s.get("EndMs"), here, ("StartMs", "EndMs"), ln)
        extra: dict[str, Any] = {"channel": channel}
        speed = _number(s.get("SpeechSpeed"))
        if speed is not None:
            extra["speech_rate"] = round(speed * 60, 2)  # characters per second -> per minute
        _put_number(extra, "emotion", s.get("EmotionalEnergy"))
        silence = _number(s.get("SilenceTime"))
        if silence is not None:
            extra["silence_before"] = silence / 1000  # ms -> s
        if s.get("EmotionType"):
            extra["emotion_type"] = s.get("EmotionType")
        out.append(
            Sentence(_text(s.get("FinalSentence"), f"{here}.FinalSentence", ln), start, end, channel, here, ln, extra)
        )
    return Transcript("tencent", out, task_id)


def _tencent_result_text(result: Any) -> list[Sentence]:
    """`Result` as text: one `[m:ss.mmm,m:ss.mmm,speaker]  text` line a sentence."""
    if not isinstance(result, str):
        raise RecordError("no `ResultDetail` and no `Result` text to read", None)
    out = []
    for i, line in enumerate(result.splitlines()):
        if not line.strip():
            continue
        m = _TENCENT_LINE.match(line)
        if m is None:
            raise RecordError(
                f"Result line {i + 1}: expected `[m:ss.mmm,m:ss.mmm,speaker]  text`, got {line[:40]!r}", None
            )
        try:
            start, end = parse_timestamp(m.group(1)), parse_timestamp(m.group(2))
        except ValueError:
            raise RecordError(f"Result line {i + 1}: bad time in {line[:40]!r}", None) from None
        if end < start:
            raise RecordError(f"Result line {i + 1}: ends ({m.group(2)}) before it starts ({m.group(1)})", None)
        channel = int(m.group(3) or 0)
        out.append(Sentence(m.group(4), start, end, channel, f"Result line {i + 1}", None, {"channel": channel}))
    return out


# --------------------------------------------------------------------------- iFlytek


def _iflytek_detect(data: dict) -> bool:
    content = data.get("content")
    if isinstance(content, dict) and ("orderResult" in content or "orderInfo" in content):
        return True
    if "orderResult" in data or "lattice" in data or "lattice2" in data or "lattices" in data:
        return True
    if "code" in data and "descInfo" in data:  # a failed request: no content
        return True
    return "err_no" in data and "data" in data  # lfasr v1


def _iflytek_parse(data: dict, text: str | None) -> Transcript:
    if "err_no" in data and "data" in data and "content" not in data:
        return _iflytek_v1(data)
    task_id = None
    code = data.get("code")
    if code is not None and str(code) != "000000":
        raise RecordError(f"the request failed: code {code}: {data.get('descInfo') or ''}".rstrip(": "), None)
    content: dict = data["content"] if isinstance(data.get("content"), dict) else data
    info = content.get("orderInfo")
    if isinstance(info, dict):
        task_id = _opt_str(info.get("orderId"))
        status, fail = info.get("status"), _opt_str(info.get("failType"))
        # failType 11: the order asked for no quality-check or translation add-on, which the
        # service reports as a failure although the transcript itself is complete.
        if status == -1 and not (fail == "11" and content.get("orderResult")):
            why = _IFLYTEK_FAILURES.get(fail or "", "see iFlytek's failType table")
            raise RecordError(f"order {task_id or '?'} failed (failType {fail}: {why})", None)
        if status is not None and status not in (4, -1):
            raise RecordError(
                f"order {task_id or '?'} is not finished (status {status}): fetch the result again later", None
            )
    result: Any = content.get("orderResult", content)
    where = "orderResult"
    if isinstance(result, str):
        if not result.strip():
            raise RecordError("`orderResult` is empty: the order has no result yet", None)
        try:
            result = json.loads(result)
        except json.JSONDecodeError as exc:
            raise RecordError(f"`orderResult` is not JSON ({exc.msg} at column {exc.colno})", None) from None
    if not isinstance(result, dict):
        raise RecordError(f"`orderResult` must be an object with `lattice`, got {type(result).__name__}", None)
    for key in ("lattice", "lattices", "lattice2"):  # the smoothed result first, the raw one last
        lattice = result.get(key)
        if lattice:
            break
    if not isinstance(lattice, list) or not lattice:
        raise RecordError(f"`{where}` has no `lattice` (or `lattices`, `lattice2`) sentences", None)
    tracks = _rl_tracks(result.get("label"))
    out = []
    for i, item in enumerate(lattice):
        here = f"{where}.{key}[{i}]"
        if not isinstance(item, dict):
            raise RecordError(f"{here}: a sentence is an object, got {type(item).__name__}", None)
        best_key = "json_1best" if "json_1best" in item else "json_cn1best"
        best = item.get(best_key)
        if isinstance(best, str):
            try:
                best = json.loads(best)
            except json.JSONDecodeError as exc:
                raise RecordError(f"{here}.{best_key} is not JSON ({exc.msg} at column {exc.colno})", None) from None
        st = best.get("st") if isinstance(best, dict) else None
        if not isinstance(st, dict):
            raise RecordError(f"{here} has no `json_1best` (or `json_cn1best`) with an `st` object", None)
        start, end = _span_ms(st.get("bg"), st.get("ed"), f"{here}.st", ("bg", "ed"), None)
        # Words are `st.rt[].ws[]` (lfasr), or `st.ws[]` directly (the `json_cn1best` form).
        groups = [rt.get("ws") for rt in st.get("rt") or [] if isinstance(rt, dict)] if "rt" in st else [st.get("ws")]
        words = []
        for ws_list in groups:
            for ws in ws_list or []:
                cw = (ws or {}).get("cw") or []
                # cw[0]: the best of the word's candidates. wp "g" marks a paragraph break and "s"
                # a filler the service's smoothing marks (嗯, 啊, 那个): neither is what was said.
                if cw and isinstance(cw[0], dict) and cw[0].get("wp") not in ("g", "s"):
                    words.append(str(cw[0].get("w") or ""))
        role = _int(st.get("rl"), f"{here}.st.rl", None, default=0)
        extra = {"channel": role}
        if tracks is not None:
            if role not in tracks:
                raise RecordError(f"{here}.st.rl {role} is not in `label.rl_track` ({_tracks_text(tracks)})", None)
            extra = {"channel": tracks[role], "role": role}
        out.append(Sentence("".join(words), start, end, role, here, None, extra))
    if tracks is not None:  # dual-channel audio: the channel decides, not iFlytek's role number
        return Transcript("iflytek", [_on_channel(s) for s in out], task_id)
    return Transcript("iflytek", _iflytek_roles(out), task_id)


# iFlytek's failType values (the lfasr getResult orderInfo), for the reason a failed order gives.
_IFLYTEK_FAILURES = {
    "1": "the audio upload failed",
    "2": "the audio could not be transcoded",
    "3": "recognition failed",
    "4": "the audio is longer than allowed",
    "5": "the audio failed its check (duration mismatch)",
    "6": "the audio is silent",
    "99": "another failure",
}


def _rl_tracks(label: Any) -> dict[int, int] | None:
    """`label.rl_track` of a dual-channel order: iFlytek role number -> 0-based audio channel
    (track L = 0, R = 1; a numbered track is taken as written, from 0)."""
    if not isinstance(label, dict) or not isinstance(label.get("rl_track"), list):
        return None
    tracks = {}
    for i, pair in enumerate(label["rl_track"]):
        where = f"label.rl_track[{i}]"
        if not isinstance(pair, dict):
            raise RecordError(f'{where}: expected {{"rl": …, "track": …}}, got {type(pair).__name__}', None)
        track = str(pair.get("track", "")).strip().upper()
        channel = {"L": 0, "LEFT": 0, "R": 1, "RIGHT": 1}.get(track)
        if channel is None:
            channel = _int(pair.get("track"), f"{where}.track", None)
        tracks[_int(pair.get("rl"), f"{where}.rl", None)] = channel
    return tracks or None


def _tracks_text(tracks: dict[int, int]) -> str:
    return ", ".join(f"rl {rl} on channel {ch}" for rl, ch in sorted(tracks.items()))


def _on_channel(s: Sentence) -> Sentence:
    return Sentence(s.text, s.start, s.end, s.extra["channel"], s.where, s.line, s.extra)


def _iflytek_v1(data: dict) -> Transcript:
    if data.get("err_no") not in (0, "0"):
        raise RecordError(
            f"the request failed: err_no {data.get('err_no')}: {data.get('failed') or ''}".rstrip(": "), None
        )
    rows = data.get("data")
    if isinstance(rows, str):
        try:
            rows = json.loads(rows)
        except json.JSONDecodeError as exc:
            raise RecordError(f"`data` is not JSON ({exc.msg} at column {exc.colno})", None) from None
    if not isinstance(rows, list):
        raise RecordError(f"`data` must be a list of sentences, got {type(rows).__name__}", None)
    out = []
    for i, row in enumerate(rows):
        here = f"data[{i}]"
        if not isinstance(row, dict):
            raise RecordError(f"{here}: a sentence is an object, got {type(row).__name__}", None)
        start, end = _span_ms(row.get("bg"), row.get("ed"), here, ("bg", "ed"), None)
        role = _int(row.get("speaker"), f"{here}.speaker", None, default=0)
        out.append(
            Sentence(
                _text(row.get("onebest"), f"{here}.onebest", None), start, end, role, here, None, {"channel": role}
            )
        )
    return Transcript("iflytek", _iflytek_roles(out), None)


def _iflytek_roles(sentences: list[Sentence]) -> list[Sentence]:
    """iFlytek numbers separated roles from 1: make them 0-based; role 0 means no separation."""
    if sentences and all(s.speaker == 0 for s in sentences):
        raise RecordError(
            "role separation was off (rl 0 on every sentence): agent and customer cannot be told apart; "
            "transcribe with role separation on (roleType) or convert the call to native JSON",
            1,
        )
    out = []
    for s in sentences:
        if s.speaker == 0:
            raise RecordError(f"{s.where}: role 0 (no role) among separated roles", s.line)
        out.append(Sentence(s.text, s.start, s.end, s.speaker - 1, s.where, s.line, s.extra))
    return out


VENDORS: dict[str, Vendor] = {
    v.name: v
    for v in (
        Vendor("alibaba", "Alibaba Cloud ASR", _alibaba_detect, _alibaba_parse),
        Vendor("tencent", "Tencent Cloud ASR", _tencent_detect, _tencent_parse),
        Vendor("iflytek", "iFlytek lfasr", _iflytek_detect, _iflytek_parse),
    )
}


# --------------------------------------------------------------------------- helpers


def _canon(key: str) -> str:
    return key.replace("_", "").lower()


def _get(d: Any, key: str) -> Any:
    """`d[key]`, matching BeginTime, beginTime and begin_time alike."""
    if not isinstance(d, dict):
        return None
    if key in d:
        return d[key]
    want = _canon(key)
    for k, v in d.items():
        if isinstance(k, str) and _canon(k) == want:
            return v
    return None


def _key_lines(text: str | None, key: str, count: int) -> list[int | None]:
    """The line of each sentence, from the lines of its `"key":`; unknown unless they tally."""
    if text is not None:
        spelled = re.sub(r"(?<=[a-z])(?=[A-Z])", "_?", key)  # BeginTime, beginTime or begin_time
        lines = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(rf'"{spelled}"\s*:', text, re.IGNORECASE)]
        if len(lines) == count:
            return lines  # type: ignore[return-value]  # list is invariant: list[int] where list[int | None] is declared
    return [None] * count


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def _put_number(extra: dict[str, Any], name: str, value: Any) -> None:
    number = _number(value)
    if number is not None:
        extra[name] = number


def _ms(value: Any, what: str, line: int | None) -> float | None:
    if value is None or value == "":
        return None
    number = _number(value)
    if number is None or not 0 <= number < math.inf:
        raise RecordError(f"{what} must be a finite, non-negative number of milliseconds, got {value!r}", line)
    return number / 1000.0


def _span_ms(
    begin: Any, end: Any, where: str, names: tuple[str, str], line: int | None
) -> tuple[float | None, float | None]:
    start = _ms(begin, f"{where}.{names[0]}", line)
    stop = _ms(end, f"{where}.{names[1]}", line)
    if start is not None and stop is not None and stop < start:
        raise RecordError(f"{where}: {names[1]} {end} is before {names[0]} {begin}", line)
    return start, stop


def _int(value: Any, what: str, line: int | None, default: int | None = None) -> int:
    if value is None or value == "":
        if default is None:
            raise RecordError(f"{what} is missing", line)
        return default
    if isinstance(value, bool):
        raise RecordError(f"{what} must be a whole number, got {value!r}", line)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise RecordError(f"{what} must be a whole number, got {value!r}", line) from None
    if not number.is_integer() or number < 0:
        raise RecordError(f"{what} must be a whole number ≥ 0, got {value!r}", line)
    return int(number)


def _text(value: Any, what: str, line: int | None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RecordError(f"{what} must be a string, got {type(value).__name__}", line)
    return value


def _opt_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
