/* bridge overlay: the incident commander's window onto the live feed.
 *
 * Three parts, top to bottom:
 *   1. the reducer: `apply(state, event)` folds the feed's events into the page's state. The state is a
 *      function of the logged events alone (plus the latest interim text), so a page opened late, or one
 *      that reconnected, shows exactly what a page open from the start shows. `derive(state)` is the view
 *      model every region is drawn from. Both are pure and exported as `window.BridgeOverlay` for tests.
 *   2. the connection: hello, catch_up from the last seq, live events, commands with their ack/error
 *      replies, reconnect with backoff.
 *   3. the view: regions redrawn only when their view model changes, countdowns ticking in between on the
 *      call clock (the last event's `t` plus the wall time elapsed since its `wall`, while live).
 *
 * No event text is ever parsed as HTML: every node is built with createElement and textContent.
 */
(function () {
  "use strict";

  const SCHEMA_VERSION = 1;
  const SNOOZE_SECONDS = 120;
  const TICKER_LINES = 4;
  const INTERIM_STALE = 12; // call seconds after which an interim line with no final text is dropped

  // ------------------------------------------------------------------------------------------------
  // 1. Reducer
  // ------------------------------------------------------------------------------------------------

  function initialState() {
    return {
      incident: null,
      started: null,
      tz: null, // the session's timezone (IANA), for wall clocks
      roster: [], // the names and terms given with --vocab
      version: null,
      schemaVersion: null,
      rate: 1, // call seconds per wall second (replay --speed N); 1 for a live call
      lastSeq: 0,
      anchor: { t: 0, wall: 0 }, // the latest call time seen, and the wall time it was emitted at
      heardMode: false, // the server says how far the call has been heard (`heard` messages)
      shown: 0, // the latest call time the clock showed: it never goes back
      ended: null,
      transcripts: [],
      decisions: new Map(),
      items: new Map(),
      checks: new Map(),
      alerts: new Map(),
      renames: new Map(), // casefolded speaker -> name
      dismissals: [], // seq of the dismissed decisions and items, the latest last (what undo restores)
      notices: [],
      interim: null,
    };
  }

  const fold_ = (s) => String(s).split(/\s+/).filter(Boolean).join(" ").toLowerCase();
  const num = (x) => (typeof x === "number" && Number.isFinite(x) ? x : null);
  const str = (x) => (typeof x === "string" ? x : null);

  function sameName(a, b) {
    return a != null && b != null && fold_(a) === fold_(b);
  }

  /** A voice the tool labelled rather than named, and the lines it must have said before the commander is
   * asked who it is: fewer is a greeting or a cough, and most responders say who they are by then. */
  const VOICE_LABEL = /^Speaker \d+$/;
  const WHOIS_LINES = 4;
  /** Wall seconds the clock may run on past the latest `heard` before it waits for the next one. */
  const HEARD_HOLD = 0.5;

  function bumpClock(s, ev) {
    const t = num(ev.t);
    const wall = num(ev.wall);
    if (t == null) return;
    if (t >= s.anchor.t) s.anchor = { t, wall: wall || 0 };
  }

  function evidence(ev) {
    return {
      seq: ev.seq,
      t: num(ev.t) || 0,
      start: num(ev.start),
      end: num(ev.end),
      quote: str(ev.quote) || "",
      source: ev.source,
      by: str(ev.by),
      category: str(ev.category),
      confidence: num(ev.confidence),
      confirmed: false,
      dismissed: false,
      edited: false,
    };
  }

  /** Fold one message into the state (mutating it) and return the state. Duplicates are ignored. */
  function apply(s, ev) {
    if (!ev || typeof ev !== "object" || typeof ev.type !== "string") return s;
    if (ev.type === "heard") {
      // How far the call has been heard and transcribed (live only, never logged): from the first one on
      // (the hello carries it), the clock follows these alone, not the times of interim text, notices or
      // corrections, which are stamped with the audio consumed and run ahead of the words.
      const t = num(ev.t);
      if (t != null && (!s.heardMode || t >= s.anchor.t)) s.anchor = { t, wall: num(ev.wall) || 0 };
      if (!s.heardMode) s.shown = s.anchor.t;
      s.heardMode = true;
      return s;
    }
    if (ev.type === "interim") {
      // Live text of an utterance in progress: never logged, has no meaningful seq.
      s.interim = { t: num(ev.t) || 0, start: num(ev.start) || 0, end: num(ev.end) || 0, text: str(ev.text) || "" };
      if (num(ev.wall) && !s.heardMode) bumpClock(s, ev);
      return s;
    }
    const seq = num(ev.seq);
    if (seq == null || seq <= s.lastSeq) return s; // already have it (catch-up overlap, reconnect)
    s.lastSeq = seq;
    if (!s.heardMode) bumpClock(s, ev);
    const t = num(ev.t) || 0;
    switch (ev.type) {
      case "session": {
        s.incident = str(ev.incident);
        s.started = num(ev.started);
        s.tz = str(ev.options && ev.options.tz) || null;
        s.roster = ((ev.options && Array.isArray(ev.options.roster)) ? ev.options.roster : []).filter((r) => str(r));
        s.version = str(ev.version);
        s.schemaVersion = num(ev.schema_version);
        const speed = ev.options && ev.options.speed;
        const rate = typeof speed === "number" ? speed : parseFloat(speed);
        s.rate = Number.isFinite(rate) && rate > 0 ? Math.min(Math.max(rate, 0.1), 100) : 1;
        break;
      }
      case "transcript": {
        s.transcripts.push({
          seq,
          t,
          start: num(ev.start) || t,
          end: num(ev.end) || t,
          text: str(ev.text) || "",
          speaker: str(ev.speaker),
        });
        if (s.interim && (num(ev.end) || t) >= s.interim.start - 0.25) s.interim = null;
        break;
      }
      case "decision":
        s.decisions.set(seq, Object.assign(evidence(ev), { text: str(ev.text) || str(ev.quote) || "" }));
        break;
      case "action_item":
        s.items.set(seq, Object.assign(evidence(ev), { owner: str(ev.owner), task: str(ev.task) || "", due: num(ev.due), done: null }));
        break;
      case "item_done": {
        // As bridge/corrections.py `done`: a report replaces the commander's mark (it carries the words).
        const item = s.items.get(num(ev.ref));
        // Shown at the start of the report, as the post-mortem quotes it.
        const report = s.transcripts.find((x) => x.seq === num(ev.source));
        if (item && (!item.done || item.done.marked)) item.done = { t: report ? report.start : t, by: str(ev.by), marked: false };
        break;
      }
      case "check_replaced": {
        const check = s.checks.get(num(ev.ref));
        if (check && !check.superseded) check.superseded = num(ev.source);
        break;
      }
      case "status_check": {
        const check = Object.assign(evidence(ev), {
          owner: str(ev.owner),
          due: num(ev.due) || t,
          met: null,
          superseded: null,
          overdueAlert: null,
        });
        s.checks.set(seq, check);  // the monitor logs check_replaced when a newer one restates it
        break;
      }
      case "alert": {
        const alert = {
          seq,
          t,
          kind: str(ev.kind) || "alert",
          message: str(ev.message) || "",
          owner: str(ev.owner),
          ref: num(ev.ref),
          since: num(ev.since),
          cleared: null,
          acked: null,
        };
        s.alerts.set(seq, alert);
        const check = alert.ref != null ? s.checks.get(alert.ref) : null;
        if (check && alert.kind === "status_overdue") check.overdueAlert = seq;
        break;
      }
      case "check_met": {
        const check = s.checks.get(num(ev.ref));
        if (check && !check.met) check.met = { t, late: num(ev.late) || 0, by: str(ev.by), received: false };
        break;
      }
      case "alert_cleared": {
        const alert = s.alerts.get(num(ev.ref));
        if (alert && !alert.cleared) alert.cleared = { t, message: str(ev.message) || "" };
        for (const c of s.checks.values()) if (c.overdueAlert === num(ev.ref)) c.overdueAlert = null;
        break;
      }
      case "correction":
        correct(s, ev, t);
        break;
      case "notice":
        s.notices.push({ seq, t, level: str(ev.level) || "info", code: str(ev.code) || "", message: str(ev.message) || "" });
        break;
      case "end":
        s.ended = { t: Math.max(t, num(ev.duration) || 0), reason: str(ev.reason) || "finished" };
        s.interim = null;
        break;
      default:
        break; // a type this page does not know yet: its seq still counts
    }
    return s;
  }

  function correct(s, ev, t) {
    const ref = num(ev.ref);
    const target = s.alerts.get(ref) || s.checks.get(ref) || s.decisions.get(ref) || s.items.get(ref);
    switch (ev.action) {
      case "acknowledge":
        if (s.alerts.has(ref)) s.alerts.get(ref).acked = { t, by: str(ev.by) };
        break;
      case "received": {
        const check = s.checks.get(ref);
        if (check && !check.met) check.met = { t, late: Math.max(0, t - check.due), by: null, received: true };
        break;
      }
      case "snooze": {
        const check = s.checks.get(ref);
        if (check && num(ev.until) != null) {
          check.due = num(ev.until);
          check.snoozed = true;
        }
        break;
      }
      case "confirm": // as bridge/corrections.py: a dismissal stands, a later confirm does not bring it back
        if (target && "confirmed" in target) target.confirmed = true;
        break;
      case "dismiss":
        if (target && "dismissed" in target) {
          target.dismissed = true;
          s.dismissals = s.dismissals.filter((x) => x !== ref).concat([ref]);
        }
        break;
      case "restore":
        if (target && "dismissed" in target) {
          target.dismissed = false;
          s.dismissals = s.dismissals.filter((x) => x !== ref);
        }
        break;
      case "done": {
        const item = s.items.get(ref);
        if (item && !item.done) item.done = { t, by: str(ev.by), marked: true };
        break;
      }
      case "reopen": {
        const item = s.items.get(ref);
        if (item) item.done = null;
        break;
      }
      case "edit":
        if (!target || !("edited" in target)) break;
        if (str(ev.text)) {
          if ("task" in target) target.task = ev.text;
          else if ("text" in target) target.text = ev.text;
        }
        if (str(ev.owner) != null && "owner" in target) target.owner = ev.owner;
        if (num(ev.due) != null && "due" in target) target.due = num(ev.due);
        target.edited = true;
        break;
      case "rename": {
        const name = str(ev.name);
        if (!name) break;
        if (str(ev.speaker)) {
          // A -> B, then B -> C: A and B are both C (as bridge/corrections.py names them).
          for (const [key, to] of s.renames) if (sameName(to, ev.speaker)) s.renames.set(key, name);
          s.renames.set(fold_(ev.speaker), name);
        } else {
          const line = s.transcripts.find((x) => x.seq === ref); // an unattributed line, named
          if (line) line.speaker = name;
        }
        break;
      }
      case "attribute": {
        // The after-call pass, as bridge/corrections.py applies it: the line is the speaker's, and so is what
        // it said in the first person (an item's owner who was its speaker: "I'll take it").
        const speaker = str(ev.speaker);
        const line = s.transcripts.find((x) => x.seq === ref);
        if (!speaker || !line) break;
        const was = line.speaker;
        line.speaker = speaker;
        for (const x of [...s.decisions.values(), ...s.items.values(), ...s.checks.values()]) {
          if (x.source !== ref || was == null) continue;
          if ("owner" in x && sameName(x.owner, was)) x.owner = speaker;
          if (sameName(x.by, was)) x.by = speaker;
        }
        break;
      }
      default:
        break;
    }
  }

  function fold(events, state) {
    const s = state || initialState();
    for (const ev of events) apply(s, ev);
    return s;
  }

  /** A name as the commander last called it (renames apply to every view, earlier lines included). */
  function displayName(s, name) {
    if (name == null) return name;
    const to = s.renames.get(fold_(name));
    return to != null ? to : name;
  }

  /** `text` (an alert's message) with every renamed name replaced as a whole word, in one pass (so that a
   * new name that contains an old one, Sofia -> Sofia R, is not replaced again). */
  function renamedText(s, text) {
    if (!s.renames.size) return text;
    const olds = [...s.renames.keys()].sort((a, b) => b.length - a.length);
    const alternatives = olds.map((o) => o.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/ /g, "\\s+"));
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join("|")})(?![\\p{L}\\p{N}_])`, "giu");
    return text.replace(pattern, (found) => displayName(s, found));
  }

  /** The view model: plain data, in the order the page shows it. */
  function derive(s) {
    const name = (n) => displayName(s, n);
    const checks = [...s.checks.values()]
      .filter((c) => !c.met && !c.superseded && !c.dismissed)
      .sort((a, b) => a.due - b.due || a.seq - b.seq)
      .map((c) => ({ seq: c.seq, owner: name(c.owner), due: c.due, quote: c.quote, by: name(c.by), t: c.t,
        snoozed: !!c.snoozed, alert: c.overdueAlert }));

    // What depended on a dismissed item goes with it: the alerts raised about it.
    const gone = (ref) => {
      const x = ref != null && (s.decisions.get(ref) || s.items.get(ref) || s.checks.get(ref));
      return !!(x && x.dismissed);
    };
    // Banners keep their place: the oldest on top, a new one below the others, so nothing moves under the
    // commander's pointer when an alert comes in. The resolved ones fold into one line beneath them.
    const shown = [...s.alerts.values()]
      .filter((a) => !a.acked && !gone(a.ref))
      .sort((a, b) => a.seq - b.seq)
      .map((a) => {
        const check = a.ref != null ? s.checks.get(a.ref) : null;
        return {
          seq: a.seq,
          kind: a.kind,
          message: renamedText(s, a.message),
          owner: name(a.owner),
          t: a.t,
          since: a.kind === "status_overdue" && check ? check.due : a.since,
          resolved: a.cleared ? { t: a.cleared.t, message: renamedText(s, a.cleared.message) } : null,
        };
      });
    const alerts = shown.filter((a) => !a.resolved);
    const resolved = shown.filter((a) => a.resolved).sort((a, b) => b.resolved.t - a.resolved.t || b.seq - a.seq);

    const decisions = [...s.decisions.values()]
      .filter((d) => !d.dismissed)
      .sort((a, b) => b.seq - a.seq)
      .map((d) => ({ seq: d.seq, t: d.t, start: d.start, text: d.text, quote: d.quote, by: name(d.by),
        category: d.category, confirmed: d.confirmed, edited: d.edited }));

    // Done is the rule of bridge/corrections.py `done`, which the post-mortem and the terminal read: what
    // the monitor logged (item_done: the owner reported it) or the commander marked, until reopened.
    const items = [...s.items.values()]
      .filter((i) => !i.dismissed)
      .map((i) => ({ seq: i.seq, t: i.t, owner: name(i.owner), task: i.task, due: i.due, quote: i.quote,
        by: name(i.by), category: i.category, confirmed: i.confirmed, edited: i.edited,
        reported: i.done && !i.done.marked ? i.done.t : null, marked: i.done && i.done.marked ? i.done.t : null }))
      .sort((a, b) => {
        const group = (i) => (i.reported != null || i.marked != null ? 2 : i.due != null ? 0 : 1);
        return group(a) - group(b) || (group(a) === 0 ? a.due - b.due : 0) || b.seq - a.seq;
      });

    // How the cadence held, as the post-mortem counts it (bridge/report/outcomes.py `check_entries`): met on
    // time or late by what the monitor logged (or the commander marked received), replaced by a newer check,
    // missed when its due time passed without either, else not yet due. Dismissed checks were never set.
    const now = s.ended ? s.ended.t : s.anchor.t;
    const cadence = { set: 0, onTime: 0, late: [], missed: [], open: 0, replaced: 0 };
    for (const c of [...s.checks.values()].sort((a, b) => a.due - b.due || a.seq - b.seq)) {
      if (c.dismissed) continue;
      cadence.set += 1;
      if (c.met && c.met.late > 0) cadence.late.push({ seq: c.seq, owner: name(c.owner), late: c.met.late });
      else if (c.met) cadence.onTime += 1;
      else if (c.superseded) cadence.replaced += 1;
      else if (c.due < now) cadence.missed.push({ seq: c.seq, owner: name(c.owner), due: c.due });
      else cadence.open += 1;
    }

    // A voice heard often and never named is put to the commander, with the roster's names not yet placed.
    const lines = new Map();
    for (const x of s.transcripts) {
      const who = name(x.speaker);
      if (who) lines.set(who, { n: ((lines.get(who) || {}).n || 0) + 1, last: x });
    }
    const placed = [...lines.keys()].filter((who) => !VOICE_LABEL.test(who));
    const [asked] = [...lines].filter(([who, l]) => VOICE_LABEL.test(who) && l.n >= WHOIS_LINES)
      .sort((a, b) => b[1].n - a[1].n);
    const whois = asked && {
      speaker: asked[0], lines: asked[1].n, seq: asked[1].last.seq, raw: asked[1].last.speaker,
      names: s.roster.filter((r) => /^\p{Lu}/u.test(r) && r.split(/\s+/).length <= 2 && !placed.some((p) => sameName(p, r))),
    };
    const transcripts = s.transcripts
      .slice(-TICKER_LINES)
      .map((x) => ({ seq: x.seq, start: x.start, speaker: name(x.speaker), raw: x.speaker, text: x.text }));
    const notice = [...s.notices].reverse().find((n) => n.level !== "info") || null;

    return {
      incident: s.incident,
      started: s.started,
      tz: s.tz,
      ended: s.ended,
      next: checks[0] || null,
      later: checks.slice(1),
      cadence,
      alerts,
      resolved,
      decisions,
      latest: decisions[0] || null,
      items,
      dismissed: [...s.dismissals].reverse().map((seq) => {
        const x = s.decisions.get(seq) || s.items.get(seq);
        return { seq, text: x ? (x.task != null ? x.task : x.text) : "" };
      }),
      transcripts,
      whois: whois || null,
      interim: s.interim,
      notice,
    };
  }

  /** A duration for people, as the post-mortem writes it: "23 s", "1 min 51 s", "2 min". */
  function duration(sec) {
    const whole = Math.round(sec);
    if (whole < 60) return `${whole} s`;
    return whole % 60 ? `${Math.floor(whole / 60)} min ${whole % 60} s` : `${Math.floor(whole / 60)} min`;
  }

  /** A due time as people keep it: the call's wall clock with the call time beside it ("14:35 (02:10)"); the
   * call time alone before the session says when call time 0 was. In the session's timezone, not the
   * browser's, so the page says what the terminal and the post-mortem say. */
  function dueAt(v, t) {
    if (v.started == null) return clock(t);
    const when = new Date((v.started + t) * 1000);
    const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    let text;
    try {
      text = when.toLocaleTimeString("en-GB", Object.assign({ timeZone: v.tz || "UTC" }, options));
    } catch (e) { // a timezone this browser does not know
      text = when.toLocaleTimeString("en-GB", Object.assign({ timeZone: "UTC" }, options)) + " UTC";
    }
    return `${text} (${clock(t)})`;
  }

  /** What became of the status checks, in words; null when none was set (then there is nothing to say). */
  function cadenceText(c, v) {
    if (!c.set) return null;
    const who = (x) => x.owner || "Bridge";
    const parts = [`${c.onTime} met on time`];
    parts.push(c.late.length
      ? `${c.late.length} late (${c.late.map((x) => `${who(x)} ${duration(x.late)}`).join(", ")})`
      : "0 late");
    parts.push(c.missed.length
      ? `${c.missed.length} missed (${c.missed.map((x) => `${who(x)}, due ${dueAt(v, x.due)}`).join("; ")})`
      : "0 missed");
    if (c.open) parts.push(`${c.open} not yet due`);
    if (c.replaced) parts.push(`${c.replaced} replaced by a newer check`);
    return `${c.set} status check${c.set > 1 ? "s" : ""} set: ${parts.join(", ")}`;
  }

  function snapshot(s) {
    return JSON.parse(JSON.stringify(derive(s)));
  }

  function clock(sec) {
    const whole = Math.max(0, Math.floor(sec));
    const h = Math.floor(whole / 3600);
    const m = Math.floor((whole % 3600) / 60);
    const ss = String(whole % 60).padStart(2, "0");
    return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${String(m).padStart(2, "0")}:${ss}`;
  }

  /** mm:ss left until `due` (rounded up, as a timer counts), or time past it (rounded down). */
  function countdown(due, now) {
    const left = due - now;
    return left > 0 ? { text: clock(Math.ceil(left)), overdue: false } : { text: "+" + clock(-left), overdue: true };
  }

  const api = {
    SCHEMA_VERSION, initialState, apply, fold, derive, snapshot, clock, dueAt, countdown, duration, cadenceText, displayName,
  };
  window.BridgeOverlay = api;

  // ------------------------------------------------------------------------------------------------
  // 2. Connection
  // ------------------------------------------------------------------------------------------------

  const params = new URLSearchParams(location.search);
  const compact = /^(1|true|yes)$/i.test(params.get("compact") || "");
  const token = params.get("token");
  if (params.get("manual") != null) return; // ?manual: the reducer only (tests, embedding)

  let state = initialState();
  api.current = () => Object.assign(snapshot(state), { lastSeq: state.lastSeq });
  const conn = {
    ws: null,
    status: "connecting", // connecting | live | reconnecting | finished
    online: false,
    hello: null,
    role: "viewer",
    helloLastSeq: 0,
    attempts: 0,
    retryAt: 0,
    timer: null,
    skew: null, // client wall clock minus server wall clock, from live messages (min over samples)
  };
  const pending = new Map(); // command id -> {action, ref, ackSeq}
  let commandCounter = 0;
  const ui = { expanded: new Set() };

  // The documents the server draws from the log; a shared viewer's links carry its token.
  for (const id of ["update-link", "timeline-link"]) {
    const link = document.getElementById(id);
    if (link && token != null) link.href += `?token=${encodeURIComponent(token)}`;
  }

  function feedUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/ws` + (token != null ? `?token=${encodeURIComponent(token)}` : "");
  }

  function connect() {
    clearTimeout(conn.timer);
    let ws;
    try {
      ws = new WebSocket(feedUrl());
    } catch (err) {
      scheduleReconnect();
      return;
    }
    conn.ws = ws;
    ws.onmessage = (msg) => {
      if (conn.ws !== ws) return;
      let data;
      try {
        data = JSON.parse(msg.data);
      } catch (err) {
        return;
      }
      receive(ws, data);
    };
    ws.onclose = (ev) => {
      if (conn.ws !== ws) return;
      conn.ws = null;
      conn.online = false;
      conn.hello = null;
      for (const [id, p] of pending) {
        if (p.ackSeq == null) {
          toast(`Connection lost before “${p.action}” was confirmed; check it after reconnecting.`);
          pending.delete(id);
        }
      }
      if (ev.reason) conn.closeReason = ev.reason;
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    conn.attempts += 1;
    if (conn.status !== "finished") conn.status = "reconnecting";
    // 0.5 s, 1 s, 2 s, 4 s ... up to 10 s, with jitter so many viewers do not reconnect in step.
    const base = Math.min(10000, 500 * 2 ** Math.min(conn.attempts - 1, 5));
    const delay = base * (0.75 + Math.random() * 0.5);
    conn.retryAt = Date.now() + delay;
    conn.timer = setTimeout(connect, delay);
    render();
  }

  function receive(ws, m) {
    switch (m.type) {
      case "hello": {
        const sameIncident = state.incident == null || (m.incident === state.incident &&
          (state.started == null || m.started == null || Math.abs(m.started - state.started) < 1e-3));
        if (!sameIncident || (num(m.last_seq) != null && m.last_seq < state.lastSeq)) {
          state = initialState(); // a different incident (or a restarted log) behind the same address
          ui.expanded.clear();
        }
        conn.hello = m;
        if (num(m.heard) != null) apply(state, { type: "heard", t: m.heard, wall: Date.now() / 1000 });
        conn.role = m.role === "commander" ? "commander" : "viewer";
        conn.helloLastSeq = num(m.last_seq) || 0;
        conn.online = true;
        conn.attempts = 0;
        conn.closeReason = null;
        conn.live = m.live !== false;
        conn.status = conn.live && !state.ended ? "live" : "finished";
        if (num(m.schema_version) != null && m.schema_version !== SCHEMA_VERSION) {
          toast(`The server speaks event schema ${m.schema_version}; this page was made for ${SCHEMA_VERSION}.`);
        }
        ws.send(JSON.stringify({ type: "catch_up", after: state.lastSeq }));
        break;
      }
      case "ack": {
        const p = pending.get(m.id);
        if (p) p.ackSeq = num(m.seq) != null ? m.seq : state.lastSeq;
        if (p && p.action === "post") toast("Posted the stakeholder update to the incident channel.");
        break;
      }
      case "error": {
        const p = pending.get(m.id);
        pending.delete(m.id);
        const why = m.message || "error";
        toast(!p ? `Server: ${why}` : p.action === "post" ? `Not posted: ${why}` : `“${p.action}” refused: ${why}`);
        break;
      }
      default: {
        const arrival = Date.now() / 1000;
        const live = m.type === "interim" || m.type === "heard" || (num(m.seq) || 0) > conn.helloLastSeq;
        if (live && num(m.wall)) {
          const sample = arrival - m.wall;
          conn.skew = conn.skew == null ? sample : Math.min(conn.skew, sample);
        }
        apply(state, m);
        if (state.ended) conn.status = "finished";
      }
    }
    render();
  }

  /** The call time to show and to judge countdowns by. Between messages it runs on at the call's pace; when
   * the server says how far the call has been heard, it runs at most HEARD_HOLD past that, so on a machine
   * falling behind (a fast replay, a busy CPU) it waits for the words instead of counting down past them. */
  function callNow() {
    if (state.ended) return state.ended.t;
    if (!conn.live || conn.status === "finished" || !state.anchor.wall) return state.anchor.t;
    const skew = conn.skew == null ? 0 : conn.skew;
    let elapsed = Math.max(0, Date.now() / 1000 - skew - state.anchor.wall);
    if (state.heardMode) elapsed = Math.min(elapsed, HEARD_HOLD);
    state.shown = Math.max(state.shown, state.anchor.t + state.rate * elapsed);
    return state.shown;
  }

  /** Whether the commander may correct the record (items, decisions, names): the feed takes no commands
   * from viewers or when offline. A finished incident stays correctable (docs/protocol.md). */
  function canCorrect() {
    return conn.role === "commander" && conn.online;
  }

  /** Whether the commander may act on the call itself (acknowledge an alert, a status check received or
   * snoozed): only while it goes on; the feed refuses these once it has ended. */
  function canAct() {
    return canCorrect() && conn.live && !state.ended;
  }

  function send(command) {
    if (conn.role !== "commander") {
      toast("This view is read-only.");
      return null;
    }
    if (!conn.ws || conn.ws.readyState !== WebSocket.OPEN || !conn.online) {
      toast("Not connected: the action was not sent.");
      return null;
    }
    const id = `c${++commandCounter}`;
    conn.ws.send(JSON.stringify(Object.assign({ type: "command", id }, command)));
    pending.set(id, { action: command.action, ref: command.ref, ackSeq: null });
    render();
    return id;
  }

  function isPending(action, ref) {
    for (const p of pending.values()) if (p.ref === ref && (action == null || p.action === action)) return true;
    return false;
  }

  const acknowledge = (seq) => send({ action: "acknowledge", ref: seq });
  const markDone = (seq) => send({ action: "done", ref: seq });
  const reopen = (seq) => send({ action: "reopen", ref: seq });
  const restore = (seq) => send({ action: "restore", ref: seq });
  const dismiss = (x) => {
    const id = send({ action: "dismiss", ref: x.seq });
    if (id) toast(`Dismissed “${x.task != null ? x.task : x.text}”.`, { label: "Undo", key: "u", run: () => restore(x.seq) });
    return id;
  };
  const received = (seq) => send({ action: "received", ref: seq });
  const snooze = (check) => {
    const until = Math.round((Math.max(callNow(), check.due) + SNOOZE_SECONDS) * 10) / 10;
    return send({ action: "snooze", ref: check.seq, until });
  };

  // ------------------------------------------------------------------------------------------------
  // 3. View
  // ------------------------------------------------------------------------------------------------

  /** Build an element. Strings become text nodes; attributes are set as attributes, never as markup. */
  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v == null || v === false) continue;
        if (k === "class") el.className = v;
        else if (k === "text") el.textContent = v;
        else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? "" : String(v));
      }
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid == null || kid === false) continue;
      el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
    }
    return el;
  }

  const $ = (id) => document.getElementById(id);
  const timer = (due, cls) => h("span", { class: "timer " + (cls || ""), "data-due": due });
  const since = (t, cls) => h("span", { class: "timer " + (cls || ""), "data-since": t });

  const ALERT_LABELS = {
    status_overdue: ["Overdue update", "late"],
    long_silence: ["Bridge silent", "silent"],
    responder_quiet: ["Responder quiet", "quiet"],
    no_mitigation: ["No mitigation", "open"],
    audio_lost: ["Audio lost", "no audio"],
  };

  function drawHeader(v) {
    const c = $("conn");
    c.textContent = conn.status === "finished" && !conn.online ? "finished · offline" : conn.status;
    c.className = "conn " + conn.status + (conn.online ? "" : " offline");
    for (const st of ["connecting", "live", "reconnecting", "finished"]) {
      document.body.classList.toggle("conn-" + st, conn.status === st);
    }
    c.title = conn.closeReason ? `Last close: ${conn.closeReason}` : "";
    $("incident").textContent = v.incident || "";
    $("role").textContent = conn.hello ? (conn.role === "commander" ? "" : "view only") : "";
    $("post-update").hidden = !(conn.online && conn.role === "commander" && conn.hello && conn.hello.can_post);
    const n = $("notice");
    n.hidden = !v.notice;
    n.textContent = v.notice ? v.notice.message : "";
    n.className = "notice " + (v.notice ? v.notice.level : "");
  }

  /** What `a` acknowledges: the banner with the keyboard focus, else the top one; with no banner left, the
   * resolved line. Never a banner that merely came in last. */
  function keyTarget(v) {
    const el = document.activeElement && document.activeElement.closest && document.activeElement.closest(".alert.active");
    const focused = el && v.alerts.find((a) => String(a.seq) === el.getAttribute("data-seq"));
    return focused || v.alerts.find((a) => !isPending("acknowledge", a.seq)) || null;
  }

  function drawAlerts(v, act) {
    const top = v.alerts.find((a) => !isPending("acknowledge", a.seq));
    const banners = v.alerts.map((a) => {
      const [label, counting] = ALERT_LABELS[a.kind] || [a.kind, "since"];
      const waiting = isPending("acknowledge", a.seq);
      return h(
        "div",
        { class: `alert ${a.kind} active${waiting ? " pending" : ""}`, role: "alert", tabindex: 0,
          "data-seq": a.seq, "data-kind": a.kind },
        h("span", { class: "alert-label" }, label),
        h("span", { class: "alert-text" }, h("span", { class: "alert-message" }, a.message)),
        h("span", { class: "alert-time" }, a.since != null ? [since(a.since), " ", counting] : `at ${clock(a.t)}`),
        act
          ? h("button", { class: "ack", type: "button", disabled: waiting,
              title: a === top ? "Acknowledge (a, or the banner's own with focus)" : "Acknowledge",
              onclick: () => acknowledge(a.seq) },
            waiting ? "…" : "Acknowledge", a === top && !waiting ? h("kbd", null, "a") : null)
          : null,
      );
    });
    if (!v.resolved.length) return banners;
    const [latest] = v.resolved;
    const [label] = ALERT_LABELS[latest.kind] || [latest.kind];
    const more = v.resolved.length - 1;
    const waiting = v.resolved.some((a) => isPending("acknowledge", a.seq));
    const line = h(
      "div",
      { class: `alert ${latest.kind} resolved collapsed${waiting ? " pending" : ""}`, role: "status",
        "data-count": v.resolved.length, title: v.resolved.map((a) => `${clock(a.resolved.t)} ${a.resolved.message}`).join("\n") },
      h("span", { class: "alert-label" }, v.resolved.length > 1 ? `${v.resolved.length} resolved` : "Resolved"),
      h("span", { class: "alert-text" },
        h("span", { class: "alert-message" }, latest.resolved.message),
        h("span", { class: "alert-sub" }, `${label.toLowerCase()} · ${latest.message}${more ? ` · and ${more} more` : ""}`)),
      h("span", { class: "alert-time" }, `at ${clock(latest.resolved.t)}`),
      act
        ? h("button", { class: "ack", type: "button", disabled: waiting, title: "Clear the resolved alerts",
            onclick: () => { for (const a of v.resolved) acknowledge(a.seq); } },
          waiting ? "…" : "OK", !v.alerts.length && !waiting ? h("kbd", null, "a") : null)
        : null,
    );
    return [...banners, line];
  }

  function drawChecks(v, act) {
    const c = v.next;
    const box = [];
    if (v.ended) {
      const said = cadenceText(v.cadence, v);
      box.push(h("div", { class: "next none ended" },
        h("div", { class: "label" }, "Call ended", h("i", { class: "dot", title: "connection" })),
        h("div", { class: "who" }, v.ended.reason),
        h("div", { class: "big" }, clock(v.ended.t)),
        said ? h("div", { class: "meta cadence" }, said) : null));
      return box;
    }
    if (!c) {
      box.push(h("div", { class: "next none" },
        h("div", { class: "label" }, "Next update"),
        h("div", { class: "who" }, "Nothing pending"),
        h("div", { class: "big" }, "--:--")));
    } else {
      const waiting = isPending(null, c.seq);
      box.push(h("div", { class: "next", "data-due-box": c.due, "data-seq": c.seq },
        h("div", { class: "label" }, h("span", { class: "label-due" }, "Next update due"),
          h("span", { class: "label-over" }, "Update overdue"), h("i", { class: "dot", title: "connection" })),
        h("div", { class: "who" }, c.owner || "Bridge"),
        h("div", { class: "big" }, timer(c.due, "countdown")),
        h("div", { class: "meta", title: c.quote },
          `due ${dueAt(v, c.due)}${c.snoozed ? " (snoozed)" : ""} · asked ${clock(c.t)}${c.by ? " by " + c.by : ""}`),
        act
          ? h("div", { class: "buttons" },
            h("button", { type: "button", class: "received", disabled: waiting, onclick: () => received(c.seq),
              title: "The update came (r)" }, "Received ", h("kbd", null, "r")),
            h("button", { type: "button", class: "snooze", disabled: waiting, onclick: () => snooze(c),
              title: "Move the deadline 2 minutes later (s)" }, "Snooze 2 min ", h("kbd", null, "s")),
            h("button", { type: "button", class: "ghost edit", onclick: () => openEditor("check", c),
              title: "Edit: who owes it, or when", "aria-label": "Edit" }, "✎"))
          : null));
    }
    if (v.later.length) {
      box.push(h("div", { class: "later" }, h("div", { class: "label" }, "Then"),
        h("ul", null, v.later.map((l) => h("li", { "data-seq": l.seq, title: l.quote },
          h("span", { class: "who" }, l.owner || "Bridge"), h("span", { class: "at" }, `due ${dueAt(v, l.due)}`),
          timer(l.due, "small"))))));
    }
    return box;
  }

  function expander(kind, seq) {
    return () => {
      const key = `${kind}:${seq}`;
      if (ui.expanded.has(key)) ui.expanded.delete(key);
      else ui.expanded.add(key);
      render();
    };
  }

  function itemActions(kind, x, act) {
    if (!act) return null;
    const waiting = isPending(null, x.seq);
    const isDone = x.reported != null || x.marked != null;
    return h("div", { class: "buttons" },
      kind !== "item" ? null : isDone
        ? h("button", { type: "button", class: "reopen", disabled: waiting, onclick: () => reopen(x.seq),
            title: "Not done after all (d)" }, "Reopen ", h("kbd", null, "d"))
        : h("button", { type: "button", class: "done", disabled: waiting, onclick: () => markDone(x.seq),
            title: "It is done (d)" }, "Done ", h("kbd", null, "d")),
      x.confirmed ? null : h("button", { type: "button", disabled: waiting,
        onclick: () => send({ action: "confirm", ref: x.seq }) }, "Confirm"),
      h("button", { type: "button", class: "dismiss", disabled: waiting,
        onclick: () => dismiss(x), title: "Extracted by mistake: remove it (undo: u)" }, "Dismiss"),
      h("button", { type: "button", class: "ghost", onclick: () => openEditor(kind, x) }, "Edit"));
  }

  function evidenceLine(x) {
    return h("div", { class: "evidence" },
      h("q", null, x.quote),
      h("span", { class: "said" }, ` — ${x.by || "unknown speaker"}, ${clock(x.start != null ? x.start : x.t)}`));
  }

  function drawItems(v, act) {
    const head = h("h2", null, "Action items", h("span", { class: "count" }, String(v.items.length)));
    if (!v.items.length) return [head, h("p", { class: "empty" }, "None yet")];
    return [head, h("ul", { class: "items" }, v.items.map((i) => {
      const open = ui.expanded.has(`item:${i.seq}`);
      const isDone = i.reported != null || i.marked != null;
      return h("li", { class: `item${isDone ? " reported" : ""}${open ? " open" : ""}`, "data-seq": i.seq },
        h("button", { type: "button", class: "row", title: i.quote, "aria-expanded": open ? "true" : "false",
          onclick: expander("item", i.seq) },
          h("span", { class: "owner" }, i.owner || "unassigned"),
          h("span", { class: "task" }, i.task, i.confirmed ? h("span", { class: "tick", title: "confirmed" }, " ✓") : null,
            i.edited ? h("span", { class: "edited", title: "edited by the commander" }, " ✎") : null),
          h("span", { class: "due" },
            i.reported != null ? `reported ${clock(i.reported)}`
              : i.marked != null ? `marked done ${clock(i.marked)}` : i.due != null ? timer(i.due, "small") : "")),
        open ? h("div", { class: "more" }, evidenceLine(i),
          i.due != null ? h("div", { class: "said" }, `due ${dueAt(v, i.due)}`) : null, itemActions("item", i, act)) : null);
    }))];
  }

  function drawDecisions(v, act) {
    const head = h("h2", null, "Decisions", h("span", { class: "count" }, String(v.decisions.length)));
    if (!v.decisions.length) return [head, h("p", { class: "empty" }, "None yet")];
    return [head, h("ol", { class: "decisions" }, v.decisions.map((d, n) => {
      const open = ui.expanded.has(`decision:${d.seq}`);
      return h("li", { class: `decision${n === 0 ? " latest" : ""}${open ? " open" : ""}`, "data-seq": d.seq },
        h("button", { type: "button", class: "row", title: d.quote, "aria-expanded": open ? "true" : "false",
          onclick: expander("decision", d.seq) },
          h("span", { class: "at" }, clock(d.start != null ? d.start : d.t)),
          h("span", { class: "text" }, d.text,
            d.confirmed ? h("span", { class: "tick", title: "confirmed" }, " ✓") : null,
            d.edited ? h("span", { class: "edited", title: "edited by the commander" }, " ✎") : null),
          h("span", { class: "by" }, d.by || "",
            d.category ? h("span", { class: "cat " + d.category }, d.category) : null)),
        open ? h("div", { class: "more" }, evidenceLine(d), itemActions("decision", d, act)) : null);
    }))];
  }

  function drawLatest(v) {
    const d = v.latest;
    if (!d) return [];
    return [h("div", { class: "latest", "data-seq": d.seq, title: d.quote },
      h("span", { class: "label" }, "Decided ", clock(d.start != null ? d.start : d.t)),
      h("span", { class: "text" }, d.text))];
  }

  function drawTicker(v, act) {
    const w = v.whois;
    const whois = act && w ? [h("div", { class: "whois", "data-speaker": w.speaker },
      h("span", null, `${w.speaker} said ${w.lines} lines; who is it?`),
      ...w.names.map((n) => h("button", { type: "button", class: "name",
        onclick: () => send({ action: "rename", ref: w.seq, speaker: w.raw, name: n }) }, n)),
      h("button", { type: "button", class: "ghost", onclick: () => openEditor("rename", w) }, "Someone else…"))] : [];
    const lines = v.transcripts.map((x) =>
      h("p", { class: "final", "data-seq": x.seq },
        h("span", { class: "at" }, clock(x.start)),
        act && x.raw
          ? h("button", { type: "button", class: "speaker", title: "Rename this speaker",
              onclick: () => openEditor("rename", x) }, x.speaker)
          : h("span", { class: "speaker" }, x.speaker || "…"),
        h("span", { class: "said" }, x.text)));
    if (v.interim && v.interim.text) {
      lines.push(h("p", { class: "interim", "data-t": v.interim.t, "aria-live": "off" },
        h("span", { class: "at" }, clock(v.interim.start)),
        h("span", { class: "speaker live-mark", title: "still being spoken: not final" }, "hearing"),
        h("span", { class: "said" }, v.interim.text)));
    }
    if (!lines.length) lines.push(h("p", { class: "empty" }, "Waiting for the first words…"));
    return [...whois, ...lines];
  }

  // Each region is redrawn only when what it shows changed, so hover, focus and scroll survive the feed.
  const drawn = new Map();
  function region(id, model, draw) {
    const key = JSON.stringify(model);
    if (drawn.get(id) === key) return;
    drawn.set(id, key);
    const el = $(id);
    const focused = document.activeElement && el.contains(document.activeElement)
      ? focusKey(document.activeElement) : null;
    el.replaceChildren(...draw());
    if (focused) {
      const again = el.querySelector(focused);
      if (again) again.focus();
    }
  }

  function focusKey(el) {
    const owner = el.closest("[data-seq]");
    if (!owner) return null;
    if (owner === el) return `${el.tagName.toLowerCase()}[data-seq="${CSS.escape(el.getAttribute("data-seq"))}"]`;
    const cls = [...el.classList].map((c) => "." + CSS.escape(c)).join("");
    return `[data-seq="${CSS.escape(owner.getAttribute("data-seq"))}"] ${el.tagName.toLowerCase()}${cls}`;
  }

  let frame = 0;
  function render() {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      draw();
    });
  }

  function draw() {
    for (const [id, p] of pending) if (p.ackSeq != null && state.lastSeq >= p.ackSeq) pending.delete(id);
    const v = derive(state);
    const act = canAct();
    const fix = canCorrect();
    const pend = [...pending.values()].map((p) => `${p.action}:${p.ref}`);
    const expanded = [...ui.expanded];
    drawHeader(v);
    region("alerts", { a: v.alerts, r: v.resolved, act, pend }, () => drawAlerts(v, act));
    region("checks", { n: v.next, l: v.later, e: !!v.ended, c: v.ended ? v.cadence : null, act, pend }, () =>
      drawChecks(v, act));
    if (compact) {
      region("latest", v.latest, () => drawLatest(v));
    } else {
      region("items", { i: v.items, fix, pend, expanded }, () => drawItems(v, fix));
      region("decisions", { d: v.decisions, fix, pend, expanded }, () => drawDecisions(v, fix));
      region("ticker", { t: v.transcripts, i: v.interim, w: v.whois, fix }, () => drawTicker(v, fix));
    }
    tick();
  }

  /** Once a quarter second: the call clock, every countdown, the overdue colouring. */
  function tick() {
    const now = callNow();
    $("clock").textContent = clock(now);
    for (const el of document.querySelectorAll("[data-due]")) {
      const c = countdown(parseFloat(el.getAttribute("data-due")), now);
      const text = !el.classList.contains("small") ? c.text : c.overdue ? `${c.text.slice(1)} late` : `in ${c.text}`;
      if (el.textContent !== text) el.textContent = text;
      el.classList.toggle("overdue", c.overdue);
    }
    for (const el of document.querySelectorAll("[data-due-box]")) {
      el.classList.toggle("overdue", now >= parseFloat(el.getAttribute("data-due-box")));
    }
    for (const el of document.querySelectorAll("[data-since]")) {
      const text = clock(now - parseFloat(el.getAttribute("data-since")));
      if (el.textContent !== text) el.textContent = text;
    }
    for (const el of document.querySelectorAll("#ticker .interim")) {
      el.hidden = now - parseFloat(el.getAttribute("data-t")) > INTERIM_STALE;
    }
    const c = $("conn");
    if (conn.status === "reconnecting" && !conn.online) {
      const s = Math.max(0, Math.ceil((conn.retryAt - Date.now()) / 1000));
      const text = s > 0 ? `reconnecting · ${s}s` : "reconnecting";
      if (c.textContent !== text) c.textContent = text;
    }
    document.body.classList.toggle("is-overdue", !!document.querySelector(".next.overdue"));
  }

  // ---- editing -------------------------------------------------------------------------------------

  function parseCallTime(text) {
    const t = text.trim();
    if (!t) return null;
    let m = /^\+\s*(\d+(?:\.\d+)?)\s*(m|min)?$/i.exec(t);
    if (m) return Math.round((callNow() + parseFloat(m[1]) * 60) * 10) / 10;
    m = /^(?:(\d+):)?(\d{1,2}):(\d{2})$/.exec(t);
    if (m) return (parseInt(m[1] || "0", 10) * 3600) + parseInt(m[2], 10) * 60 + parseInt(m[3], 10);
    return NaN;
  }

  function openEditor(kind, x) {
    if (kind === "check" ? !canAct() : !canCorrect()) return;
    const dlg = $("editor");
    const fields = [];
    const field = (name, label, value, hint) => {
      const input = h("input", { name, value: value == null ? "" : value, autocomplete: "off", placeholder: hint || "" });
      fields.push(input);
      return h("label", null, h("span", null, label), input);
    };
    let title;
    let rows;
    if (kind === "rename") {
      // Picking a name already on the call merges the two: that voice is that person from now on.
      const known = [...new Set(state.transcripts.map((t) => displayName(state, t.speaker)))]
        .filter((n) => n && !sameName(n, x.speaker)).sort();
      title = `Rename speaker “${x.speaker}”`;
      rows = [field("name", "Name", x.speaker, "a new name, or one below to merge"),
        h("datalist", { id: "speaker-names" }, known.map((n) => h("option", { value: n })))];
      fields[fields.length - 1].setAttribute("list", "speaker-names");
    } else if (kind === "check") {
      title = "Edit status check";
      rows = [field("owner", "Owner", x.owner || "", "who owes it"), field("due", "Due", clock(x.due), "mm:ss or +minutes")];
    } else if (kind === "item") {
      title = "Edit action item";
      rows = [field("text", "Task", x.task), field("owner", "Owner", x.owner || ""),
        field("due", "Due", x.due != null ? clock(x.due) : "", "mm:ss or +minutes")];
    } else {
      title = "Edit decision";
      rows = [field("text", "Decision", x.text)];
    }
    const error = h("p", { class: "form-error" });
    const submit = () => {
      const val = Object.fromEntries(fields.map((f) => [f.name, f.value.trim()]));
      if (kind === "rename") {
        if (!val.name || val.name === x.speaker) return dlg.close();
        send({ action: "rename", ref: x.seq, speaker: x.raw, name: val.name });
        return dlg.close();
      }
      const cmd = { action: "edit", ref: x.seq };
      const oldText = kind === "item" ? x.task : x.text;
      if ("text" in val && val.text && val.text !== oldText) cmd.text = val.text;
      if ("owner" in val && val.owner && val.owner !== (x.owner || "")) cmd.owner = val.owner;
      if ("due" in val) {
        const due = parseCallTime(val.due);
        if (Number.isNaN(due)) {
          error.textContent = "Due: a call time as mm:ss, or +minutes from now.";
          return null;
        }
        if (due != null && due !== x.due && val.due !== (x.due != null ? clock(x.due) : "")) cmd.due = due;
      }
      if (Object.keys(cmd).length > 2) send(cmd);
      return dlg.close();
    };
    dlg.replaceChildren(
      h("h2", null, title),
      ...rows,
      error,
      h("p", { class: "buttons" },
        h("button", { type: "button", class: "primary", onclick: submit }, "Save"),
        h("button", { type: "button", class: "ghost", onclick: () => dlg.close() }, "Cancel")));
    dlg.onkeydown = (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        submit();
      }
    };
    dlg.showModal();
    if (fields[0]) fields[0].select();
  }

  /** The stakeholder update as it stands, shown before it goes to the incident channel (--webhook). The server
   * drafts it again when Post is pressed, from the log as it is then, and keeps it in the incident folder. */
  async function openPost() {
    const dlg = $("editor");
    const draft = h("pre", { class: "post-preview" }, "Drafting…");
    const post = () => {
      dlg.close();
      if (!conn.ws || conn.ws.readyState !== WebSocket.OPEN || !conn.online) {
        toast("Not connected: nothing was posted.");
        return;
      }
      const id = `c${++commandCounter}`;
      conn.ws.send(JSON.stringify({ type: "post", id, what: "update" }));
      pending.set(id, { action: "post", ref: null, ackSeq: null });
    };
    dlg.replaceChildren(
      h("h2", null, "Post the stakeholder update"),
      h("p", null, "To the incident channel, drafted from the log as it stands when you press Post:"),
      draft,
      h("p", { class: "buttons" },
        h("button", { type: "button", class: "primary", onclick: post }, "Post"),
        h("button", { type: "button", class: "ghost", onclick: () => dlg.close() }, "Cancel")));
    dlg.onkeydown = null;
    dlg.showModal();
    try {
      const r = await fetch($("update-link").href, { cache: "no-store" });
      draft.textContent = r.ok ? await r.text() : `The draft could not be fetched (HTTP ${r.status}).`;
    } catch (err) {
      draft.textContent = "The draft could not be fetched.";
    }
  }

  // ---- toasts, keys, start --------------------------------------------------------------------------

  function toast(text, action) {
    const el = h("div", { class: "toast", role: "status" }, text,
      action ? h("button", { type: "button", class: "toast-action", onclick: () => { el.remove(); action.run(); } },
        action.label, action.key ? h("kbd", null, action.key) : null) : null);
    $("toasts").append(el);
    setTimeout(() => el.remove(), 6000);
  }

  const LIVE_KEYS = ["a", "A", "r", "s"];
  const CORRECTION_KEYS = ["d", "u"];

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    if (document.querySelector("dialog[open]")) return;
    if (e.target.closest && e.target.closest("input, textarea, select, [contenteditable]")) return;
    const v = derive(state);
    if (e.key === "?") {
      $("help").showModal();
    } else if (LIVE_KEYS.includes(e.key) ? !canAct() : CORRECTION_KEYS.includes(e.key) && !canCorrect()) {
      // As the buttons: nothing to act on for a viewer, offline, or (a, A, r, s) after the call.
      if (conn.role !== "commander") toast("This view is read-only.");
      else if (state.ended && conn.online) toast("The call has ended: alerts and status checks are closed.");
      else toast("Not connected: the action was not sent.");
    } else if (e.key === "a") {
      const target = keyTarget(v);
      if (target) acknowledge(target.seq);
      else for (const a of v.resolved) if (!isPending("acknowledge", a.seq)) acknowledge(a.seq);
    } else if (e.key === "A") {
      for (const a of [...v.alerts, ...v.resolved]) if (!isPending("acknowledge", a.seq)) acknowledge(a.seq);
    } else if (e.key === "r") {
      if (v.next && !isPending(null, v.next.seq)) received(v.next.seq);
    } else if (e.key === "s") {
      if (v.next && !isPending(null, v.next.seq)) snooze(v.next);
    } else if (e.key === "d") {
      // The action item whose row has the focus: done, or reopened when it is done.
      const li = document.activeElement && document.activeElement.closest && document.activeElement.closest("li.item");
      const item = li && v.items.find((i) => String(i.seq) === li.getAttribute("data-seq"));
      if (!item || isPending(null, item.seq)) return;
      if (item.reported != null || item.marked != null) reopen(item.seq);
      else markDone(item.seq);
    } else if (e.key === "u") {
      // Undo the latest dismissal still standing.
      const last = v.dismissed.find((x) => !isPending(null, x.seq));
      if (last) restore(last.seq);
    } else {
      return;
    }
    e.preventDefault();
  }

  function start() {
    document.body.classList.toggle("compact", compact);
    document.documentElement.classList.toggle("compact", compact);
    $("help-toggle").addEventListener("click", () => $("help").showModal());
    $("post-update").addEventListener("click", openPost);
    $("help").querySelector(".close").addEventListener("click", () => $("help").close());
    document.addEventListener("keydown", onKey);
    setInterval(tick, 250);
    render();
    connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
