"""Extraction across turns, through the real spaCy pipeline: what a line means depends on who spoke before.

Each case is a short exchange (speaker, words), two seconds a line, with Dana running the call; the expected
items, over the whole exchange, use the tags of test_extraction.py (`action:Owner@N`, `check:Owner@N`,
`decision`), with N counted from the end of the line that says it. Every kind of mistake is tested in several
phrasings, so that no rule passes for one sentence.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bridge.events import ActionItem, Decision, Extracted, StatusCheck, Transcript
from bridge.language.analysis import Analyzer
from bridge.language.extraction import Extractor
from bridge.speakers.attribution import Speakers
from bridge.weights import resolve_spacy

ROSTER = ["Dana", "Priya", "Marcus", "Lena", "Sung-min", "Joon-ho", "Tevita", "Aroha"]
Exchange = list[tuple[str, str]]

CASES: list[tuple[str, Exchange, set[str]]] = [
    # Thanks and acknowledgements are no orders, whoever is named in them.
    (
        "thanks",
        [("Dana", "Priya, what are you seeing?"), ("Priya", "Errors at two percent."), ("Dana", "Thank you Priya.")],
        set(),
    ),
    ("love it", [("Marcus", "The rollback is done and errors are flat."), ("Dana", "Love it, thanks.")], set()),
    (
        "got it",
        [("Dana", "Short version, the cache is full and we are flushing it."), ("Lena", "Got it, thanks.")],
        set(),
    ),
    ("roger", [("Dana", "Pause the batch job."), ("Marcus", "Pausing, roger that.")], {"decision"}),
    ("interjection", [("Priya", "Did you want the graphs?"), ("Dana", "Wait, I was asking.")], set()),
    ("hold on", [("Priya", "Should I restart it?"), ("Dana", "Hold on, let me check.")], set()),
    # A verb-looking subject is no order.
    ("subject", [("Lena", "Spend on that account is up about three hundred dollars an hour.")], set()),
    # Promising the bridge an update is the status check, not an action item beside it.
    ("update everyone", [("Dana", "I'll give everyone an update at the top of the hour.")], {"check:Dana@3590"}),
    ("come back", [("Dana", "I'll come back to everyone in ten minutes.")], {"check:Dana@600"}),
    (
        "update leadership",
        [("Dana", "And I'll give leadership and all of you an update in fifteen minutes.")],
        {"check:Dana@900"},
    ),
    (
        "a task still is one",
        [("Lena", "I will update the customer care team by the end of the day.")],
        {"action:Lena@10790"},
    ),
    ("staying on", [("Marcus", "I'll stay on for ten minutes in case you need me.")], set()),
    # The person just asked answers with a duration: their task's deadline.
    (
        "bare duration",
        [("Dana", "Aroha, can you ask the provider for a quota raise?"), ("Aroha", "Yes. Twenty minutes.")],
        {"action:Aroha", "action:Aroha@1200"},
    ),
    (
        "give me",
        [("Dana", "Lena, can you get a banner on the login page?"), ("Lena", "Yes. Give me five minutes.")],
        {"action:Lena", "action:Lena@300"},
    ),
    (
        "need",
        [("Dana", "Marcus, please pull the slow query log."), ("Marcus", "Sure, I need ten minutes.")],
        {"action:Marcus", "action:Marcus@600"},
    ),
    (
        "a moment is no deadline",
        [("Dana", "Marcus, please pull the slow query log."), ("Marcus", "Give me a second.")],
        {"action:Marcus"},
    ),
    # ...but an answer to "what's the ETA?" is the answerer's check, not a second item.
    (
        "eta",
        [("Dana", "Tevita, the volume's yours. What's the ETA?"), ("Tevita", "Ten, give or take.")],
        {"action:Tevita", "check:Tevita@600"},
    ),
    (
        "how long",
        [("Dana", "Tevita, how long for the drain?"), ("Tevita", "Twenty minutes, give or take.")],
        {"check:Tevita@1200"},
    ),
    # A deadline in the sentence after the task is the task's.
    (
        "by a day",
        [("Dana", "Marcus, write up why nobody was paged. By tomorrow, please.")],
        {"action:Marcus@68390"},
    ),
    (
        "report back",
        [("Dana", "Priya, I want to know whether node four is going to fail. Report back in four minutes.")],
        {"action:Priya@240", "check:Priya@240"},
    ),
    ("need to know", [("Dana", "Lena, I need to know which customers are affected.")], {"action:Lena"}),
    ("like to know", [("Dana", "Marcus, I'd like to know if the replica caught up.")], {"action:Marcus"}),
    ("knowing is no task", [("Dana", "I want to know what changed.")], set()),
    (
        "give us a bell",
        [("Dana", "Marcus, you dig into the backup provider in parallel. Give us a bell in three.")],
        {"action:Marcus@180", "check:Marcus@180"},
    ),
    # ...but the bridge's own cadence is not.
    (
        "cadence",
        [("Dana", "Lena, please draft the customer notice. Next update in five minutes.")],
        {"action:Lena", "check:bridge@300"},
    ),
    # "NAME, you VERB ..." is an order; "NAME, you were right" is not.
    ("you start", [("Dana", "Tevita, you start the drain.")], {"action:Tevita"}),
    ("you lift", [("Dana", "Marcus, you lift the lock when Lena says so.")], {"action:Marcus"}),
    ("you were", [("Dana", "Marcus, you were right about the cache.")], set()),
    ("you think", [("Dana", "Priya, you think it's the certificate.")], set()),
    # Hyphenated names are one name.
    ("hyphen", [("Dana", "Sung-min, compare the new certificate with the old one.")], {"action:Sung-min"}),
    ("hyphen request", [("Dana", "Joon-ho, please page the database team.")], {"action:Joon-ho"}),
    # Carrying out the decision just taken, by name.
    (
        "go ahead",
        [("Dana", "Okay. We are rolling back to the old certificate. Sung-min, go ahead.")],
        {"decision", "action:Sung-min"},
    ),
    (
        "do it now",
        [("Dana", "Then we swap back to yesterday's index. Joon-ho, do it now.")],
        {"decision", "action:Joon-ho"},
    ),
    (
        "the needful",
        [("Dana", "We will do the rollback now itself. Priya, please do the needful.")],
        {"decision", "action:Priya"},
    ),
    # ...while "go ahead" with nothing decided gives the floor.
    ("floor", [("Priya", "Dana, I have a question about the cache."), ("Dana", "Priya, go ahead.")], set()),
    # Prohibitions and calls said as a noun phrase.
    (
        "no changes",
        [("Marcus", "Should we add partitions?"), ("Dana", "No. No partition changes during the incident.")],
        {"decision"},
    ),
    (
        "no scaling",
        [("Marcus", "Should we scale up the consumers?"), ("Dana", "Agreed, no scaling for now.")],
        {"decision"},
    ),
    ("no more deploys", [("Dana", "No more deploys today.")], {"decision"}),
    ("don't touch", [("Dana", "Don't touch the load balancer.")], {"decision"}),
    ("it is", [("Marcus", "We could fail over or wait."), ("Dana", "Okay, failover it is.")], {"decision"}),
    ("rollback it is", [("Priya", "Roll back or fix forward?"), ("Dana", "Right, rollback it is.")], {"decision"}),
    ("not it is", [("Dana", "That's what it is.")], set()),
    ("like it is", [("Priya", "How is the dashboard?"), ("Dana", "Just like it is.")], set()),
]


LOOP = ["FLIGHT", "EECOM", "CAPCOM", "GNC", "INCO", "FDO", "TELMU"]
"""A flight-director loop: FLIGHT runs it (a commander role), CAPCOM relays to the crew, who carry out most orders."""

# Radio-loop grammar, on the loop roster (no introduction: FLIGHT's role says who runs it). Phrasings are ours.
LOOP_CASES: list[tuple[str, Exchange, set[str]]] = [
    # A controller's order said to FLIGHT is a recommendation, not FLIGHT's task; FLIGHT saying it back takes it,
    # and the crew carries it out through CAPCOM.
    ("to flight", [("GNC", "FLIGHT, GNC."), ("FLIGHT", "Go, GNC."), ("GNC", "Turn quad Bravo OFF.")], set()),
    ("to flight, named last", [("EECOM", "And get the O2 fans OFF on tank 2 also, FLIGHT.")], set()),
    ("you'll want to", [("EECOM", "FLIGHT, you'll want to make sure the breaker on panel 11 is closed.")], set()),
    (
        "said back",
        [("EECOM", "Get the O2 fans OFF on tank 2, FLIGHT."), ("FLIGHT", "O2 fans OFF on tank 2.")],
        {"decision", "action:CAPCOM"},
    ),
    (
        "said back, verbless",
        [("INCO", "OMNI Delta, FLIGHT."), ("FLIGHT", "Roger. And OMNI Delta.")],
        {"decision", "action:CAPCOM"},
    ),
    (
        "said back, a split line",
        [("EECOM", "- bus tie A back to MAIN A, bus tie B to MAIN B."), ("FLIGHT", "- MAIN A, B to MAIN B.")],
        {"decision", "action:CAPCOM"},
    ),
    (
        "go on",
        [("GNC", "Go on thruster B-3, FLIGHT."), ("FLIGHT", "Okay. Go on thruster B-3, CAPCOM.")],
        {"decision", "action:CAPCOM"},
    ),
    # ...but a report said back is an acknowledgement.
    ("report said back", [("CAPCOM", "We've got a MAIN A UNDERVOLT."), ("FLIGHT", "Oh, MAIN A.")], set()),
    ("reading said back", [("EECOM", "Tank 1 is reading 240."), ("FLIGHT", "240.")], set()),
    # Orders with no one named: the crew's, through CAPCOM; relayed orders too.
    ("setting", [("FLIGHT", "Battery charger OFF on bus B.")], {"decision", "action:CAPCOM"}),
    ("tell them", [("FLIGHT", "Roger. Tell them we're working a procedure for the LM.")], {"action:CAPCOM"}),
    ("have them", [("FLIGHT", "Okay. Have them close the REPRESS valve, CAPCOM.")], {"decision", "action:CAPCOM"}),
    ("have the crew", [("FLIGHT", "Have the crew verify the quad C helium valves are open.")], {"action:CAPCOM"}),
    (
        "let's, named",
        [("FLIGHT", "CAPCOM, let's close the circuit breaker on panel 250.")],
        {"decision", "action:CAPCOM"},
    ),
    ("let's get it off", [("EECOM", "Heck, no. Get it off."), ("FLIGHT", "Let's get it off.")], {"decision"}),
    # A call, its answer, and the message: the message is to whoever answered.
    (
        "call and answer",
        [("FLIGHT", "CAPCOM, from FLIGHT."), ("CAPCOM", "Go."), ("FLIGHT", "Let's also verify the DSE is OFF.")],
        {"action:CAPCOM"},
    ),
    (
        "call and answer, by name",
        [("FLIGHT", "INCO, FLIGHT."), ("INCO", "Go ahead, FLIGHT."), ("FLIGHT", "Let's switch the high gain to WIDE.")],
        {"action:INCO", "decision"},
    ),
    ("go, name", [("EECOM", "FLIGHT, EECOM."), ("FLIGHT", "Go EECOM.")], set()),
    ("go get 'em", [("FLIGHT", "Yeah, okay, Hal. Go get 'em.")], set()),
    # A first name said back to a call sign is that call sign from then on.
    (
        "a name for a call sign",
        [
            ("CAPCOM", "CAPCOM. Did you copy the quads?"),
            ("FLIGHT", "I didn't copy them all, Vance."),
            ("INCO", "OMNI Bravo."),
            ("FLIGHT", "OMNI Bravo, too, Vance."),
        ],
        {"decision", "action:CAPCOM"},
    ),
    # Said again after "say again?" is no new decision.
    (
        "say again",
        [
            ("FLIGHT", "Okay, CAPCOM, recommend THRUSTER B-2 to OFF."),
            ("CAPCOM", "Say again, FLIGHT?"),
            ("FLIGHT", "THRUSTER B-2 to OFF."),
        ],
        {"decision", "action:CAPCOM"},
    ),
    # Standing by for a stated time promises the update; what is done meanwhile is part of it.
    ("standby a minute", [("EECOM", "Standby one minute; I'll poll my back room.")], {"check:EECOM@60"}),
    (
        "standby just a minute",
        [("EECOM", "The temperatures are also dropping. Let me get a verification - standby just a minute.")],
        {"check:EECOM@60"},
    ),
    ("get that for you", [("GNC", "I'll get that for you in two minutes, FLIGHT.")], {"check:GNC@120"}),
    ("bare standby", [("EECOM", "Standby.")], set()),
    # Equipment is nobody, and a negated "have" no order.
    ("don't have", [("INCO", "We still don't have OMNI Delta, FLIGHT.")], set()),
    ("haven't got", [("EECOM", "We haven't got MAIN B back yet, FLIGHT.")], set()),
    # Named as who will do it, or asked whether they want to.
    ("will get that", [("FLIGHT", "CAPCOM will get that for me.")], {"action:CAPCOM"}),
    ("want to look", [("FLIGHT", "Okay. GNC, you want to look at it?")], {"action:GNC"}),
    ("want to close", [("FLIGHT", "EECOM, do you want to close out the REPRESS pack?")], set()),
    ("go with it", [("GUIDO", "Roger, FLIGHT."), ("FLIGHT", "Okay, go with it.")], {"decision", "action:GUIDO"}),
    # Asking how long, waiting a minute, one's own call sign: no task.
    (
        "how long will you",
        [("EECOM", "That's affirmative, FLIGHT."), ("FLIGHT", "How long will you want to do that?")],
        set(),
    ),
    ("when can you", [("GNC", "Roger."), ("FLIGHT", "GNC, when can you get the platform up?")], set()),
    (
        "wait a minute",
        [("EECOM", "Ready to power down the CMC."), ("FLIGHT", "Wait a minute. I want to be sure.")],
        set(),
    ),
    ("hold on a second", [("EECOM", "Ready to power down."), ("FLIGHT", "Hold on a second, I want to think.")], set()),
    ("own call sign", [("INCO", "FLIGHT -"), ("FLIGHT", "Go ahead, calling, FLIGHT.")], set()),
    ("subscript", [("CAPCOM", "You want O₂ TANK heaters off -")], set()),
    # Orders through the one addressed: a setting, what the crew needs, "you'd better".
    ("addressed setting", [("FLIGHT", "CAPCOM, all TANK 2 off.")], {"decision", "action:CAPCOM"}),
    ("they need", [("FLIGHT", "CAPCOM, they need a VERB 06 NOUN 20 on the CSM.")], {"action:CAPCOM"}),
    ("the crew needs", [("FLIGHT", "Jack, the crew needs to get the sublimator up.")], {"action:Jack"}),
    (
        "you'd better, named inside",
        [("FLIGHT", "Before we turn his thrusters off, CAPCOM, you'd better verify they've got control in the LM.")],
        {"action:CAPCOM"},
    ),
    # Asking whether they have something is no task; "come on in" and "just a minute" give the floor or take it.
    (
        "do you have",
        [("FLIGHT", "CONTROL, FLIGHT."), ("CONTROL", "Go ahead, FLIGHT."), ("FLIGHT", "Do you have good data?")],
        set(),
    ),
    ("did you have", [("FLIGHT", "Okay."), ("FLIGHT", "CONTROL, did you have something for me?")], set()),
    (
        "come on in",
        [("CONTROL", "FLIGHT, CONTROL. Updates on those trims."), ("FLIGHT", "Okay. Well, come on in with them.")],
        set(),
    ),
    ("just a minute", [("TELMU", "There's some on panel 16 also."), ("FLIGHT", "Just a minute, TELMU.")], set()),
    ("I'll wait", [("FLIGHT", "Okay. I'll wait until you come back.")], set()),
    ("keep your eye", [("FLIGHT", "Okay. Well, keep your eye on it, CONTROL.")], {"action:CONTROL"}),
    # Other names for a call sign: its own call ("FLIGHT, GUIDANCE.") names it.
    (
        "called by another name",
        [
            ("GUIDO", "FLIGHT, GUIDANCE."),
            ("FLIGHT", "Go."),
            ("GUIDO", "We'd like an E-MOD DUMP, FLIGHT."),
            ("FLIGHT", "GUIDANCE, remind me of that in a little bit."),
        ],
        {"action:GUIDO"},
    ),
    # A responder asks whether to do something; FLIGHT's "yes", after consulting others, is the go.
    (
        "yes, after a consult",
        [
            ("CAPCOM", "Do you want them to close the REPRESS pack, too?"),
            ("FLIGHT", "EECOM? Do you want to close out the REPRESS pack?"),
            ("EECOM", "We'd like to get it closed off -"),
            ("FLIGHT", "Yes, Jack."),
        ],
        {"decision", "action:CAPCOM"},
    ),
    ("affirmative", [("GNC", "Do you want to go to DAP B/D roll?"), ("FLIGHT", "Affirmative.")], {"decision"}),
    ("okay is no yes", [("GNC", "Do you want to go to DAP B/D roll?"), ("FLIGHT", "Okay.")], set()),
    ("a yes that asks", [("GNC", "Do you want to go to DAP B/D roll?"), ("FLIGHT", "Yes? Why?")], set()),
    (
        "have them go ahead",
        [("EECOM", "Heaters and all."), ("FLIGHT", "Okay. Have them go ahead, CAPCOM.")],
        {"decision", "action:CAPCOM"},
    ),
    ("coming off", [("FLIGHT", "It's dropping down to 234. Okay. FUEL CELL 1 REACTANTS coming OFF.")], {"decision"}),
    ("coming off, a report", [("EECOM", "The pressure is coming off the peak now, FLIGHT, slowly.")], set()),
    (
        "let's, after an if",
        [("FLIGHT", "EECOM, if you want to do something about these valves, let's make up our mind.")],
        {"action:EECOM"},
    ),
    (
        "want to verify, please",
        [("FLIGHT", "CAPCOM, do you want to verify the quad C valve is open, please.")],
        {"action:CAPCOM"},
    ),
    # Promising to call back is no task; "come ahead" gives the floor; "let me tell you" reports.
    ("give you a call", [("INCO", "I'll give you a call. It'll be back shortly.")], set()),
    ("let me tell you", [("INCO", "FLIGHT, let me tell you what's happened.")], set()),
    ("come ahead", [("TELMU", "FLIGHT, TELMU."), ("FLIGHT", "Come ahead, Merlin.")], set()),
    ("come up", [("TELMU", "I'll come up a minute.")], set()),
    ("don't know what", [("FLIGHT", "I don't know what we're going to do for PTC yet.")], set()),
    # "anything" is no "-ing" verb of a prohibition; "let them know" is relayed; "why don't they" asks it done.
    ("don't have anything", [("FLIGHT", "MAIN B is in bad shape. We don't have anything on MAIN B right now.")], set()),
    (
        "let them know",
        [("FLIGHT", "CAPCOM, we're not going to do a DPS burn until we hook around the Moon. Let them know that.")],
        {"decision", "action:CAPCOM"},
    ),
    ("why don't they", [("FLIGHT", "CAPCOM, why don't they get all they can in BATTERY A?")], {"action:CAPCOM"}),
    (
        "a fact after a task",
        [
            ("FLIGHT", "EECOM, go around that room one more time."),
            ("EECOM", "We're not going to have anything in 40 minutes."),
        ],
        {"action:EECOM"},
    ),
    # Said back but taking nothing: a "negative", a concurrence, an answer to FLIGHT's own question.
    ("negative said back", [("INCO", "Negative."), ("FLIGHT", "Negative.")], set()),
    ("we concur", [("FDO", "FLIGHT, FDO. We concur with that."), ("FLIGHT", "We concur.")], set()),
    (
        "an answer said back",
        [
            ("FLIGHT", "And how about the X-POINTER?"),
            ("TELMU", "X-POINTER negative."),
            ("FLIGHT", "X-POINTER negative."),
        ],
        set(),
    ),
    ("plural equipment", [("FLIGHT", "You want TTCAs for the maneuver, right?")], set()),
    ("have to, if", [("EECOM", "It only takes a minute, I guess I'll have to if we need it, FLIGHT.")], set()),
    ("keep reminding", [("FLIGHT", "TELMU, keep reminding me of that heater.")], {"action:TELMU"}),
    # An order closed by a tag question is still an order; a question with a tag is still a question.
    (
        "order, will you?",
        [("EECOM", "Tank pressure is holding, FLIGHT."), ("FLIGHT", "Okay. Watch it for me, will you?")],
        {"action:EECOM"},
    ),
    (
        "let them know, okay?",
        [("FLIGHT", "CAPCOM, there'll be a loss of COMM during the site handover. Let them know that, okay?")],
        {"action:CAPCOM"},
    ),
    ("question, right?", [("FLIGHT", "GNC, you're seeing the same rates, right?")], set()),
    # A course put to the others for their assent is not taken yet.
    ("any objections", [("FLIGHT", "We're going to stay on the 4-jet DAP. Any objections?")], set()),
    ("alright with you", [("FLIGHT", "We'll do the burn on the PGNS. That alright with you, GUIDO?")], set()),
    # What FLIGHT tells CAPCOM, even without a verb, is the crew's to carry out: CAPCOM's to pass on.
    (
        "a setting to the relay",
        [("FLIGHT", "CAPCOM, FUEL CELL 2 reactants. The breaker and the switch.")],
        {"decision", "action:CAPCOM"},
    ),
    ("a setting, the relay named after it", [("FLIGHT", "PGNS AUTO, CAPCOM.")], {"decision", "action:CAPCOM"}),
    (
        "an answer given to the relay",
        [("GUIDO", "We'd go PGNS AUTO, FLIGHT."), ("FLIGHT", "PGNS AUTO, CAPCOM. Tell them that's our choice.")],
        {"decision", "action:CAPCOM"},
    ),
    ("we keep it, to the relay", [("FLIGHT", "Okay. We keep the DAP, CAPCOM.")], {"decision", "action:CAPCOM"}),
    (
        "the setting continued",
        [("FLIGHT", "CAPCOM, TTCA to the burn attitude."), ("FLIGHT", "With the TTCA.")],
        {"decision", "action:CAPCOM"},
    ),
    ("a call to the relay", [("FLIGHT", "CAPCOM, this is FLIGHT.")], set()),
    ("thanks to the relay", [("FLIGHT", "Thanks, CAPCOM.")], set()),
    ("a hold to the relay", [("FLIGHT", "Standby, CAPCOM. Hey TELMU, he's talking.")], set()),
    ("just a minute to the relay", [("FLIGHT", "Just a minute, CAPCOM.")], set()),
    # A controller's "we'll look at that" promises the work; after FLIGHT's instruction it takes his on.
    (
        "we'll look, asked",
        [("FLIGHT", "FAO, when is the next shadow?"), ("FAO", "Okay, FLIGHT. Standby and we'll look at that.")],
        {"action:FAO"},
    ),
    (
        "we'll get you",
        [("EECOM", "Okay. We'll get you a number on the battery power here, shortly.")],
        {"action:EECOM"},
    ),
    (
        "we'll work on it, told",
        [("FLIGHT", "FDO, plan the return on the LM DPS."), ("FDO", "Okay. We'll work on it, FLIGHT.")],
        {"action:FDO"},
    ),
    (
        "we'll take those",
        [("FLIGHT", "EECOM, you need anything?"), ("EECOM", "Roger, FLIGHT. We'll take those.")],
        set(),
    ),
    # FLIGHT's softened assent to what was just put to him takes it; the same words after nothing put, or to
    # a course that only finds something out, take nothing.
    (
        "might as well",
        [("CAPCOM", "And now you want them to yaw left to 090?"), ("FLIGHT", "Might as well do that.")],
        {"decision"},
    ),
    (
        "we can sure",
        [("CONTROL", "I suggest we pull the DECA breakers, FLIGHT."), ("FLIGHT", "Yeah. We can sure pull those.")],
        {"decision"},
    ),
    (
        "as soon as",
        [
            ("CONTROL", "I think we ought to bring the AGS up first."),
            ("FLIGHT", "Okay. As soon as we get the COMM back."),
        ],
        {"decision"},
    ),
    (
        "it'd be good to",
        [("FDO", "I need two minutes for a checkpoint, FLIGHT."), ("FLIGHT", "Yeah, I think it'd be good to get one.")],
        {"decision"},
    ),
    (
        "his own hedge",
        [("EECOM", "Tank 2 is reading 240."), ("FLIGHT", "I think it'd be good to get a checkpoint.")],
        set(),
    ),
    (
        "good idea, to a check",
        [("EECOM", "We'd better confirm the breaker on panel 226 was closed."), ("FLIGHT", "Okay, good idea.")],
        set(),
    ),
    (
        "can do, then a question",
        [("CAPCOM", "We could use the optics to find stars."), ("FLIGHT", "Well, we can do that - but what for?")],
        set(),
    ),
    # "You ready for ...?" answered "ready" by FLIGHT is the go; by a controller, a report.
    (
        "ready",
        [
            ("CAPCOM", "Okay, you ready for the trim test?"),
            ("CONTROL", "Ready."),
            ("FLIGHT", "Ready for the trim test."),
        ],
        {"decision"},
    ),
    (
        "we're ready",
        [("CAPCOM", "You're ready for pressurization -"), ("FLIGHT", "Alright. Yeah, we're ready.")],
        {"decision"},
    ),
    ("ready, a controller", [("FLIGHT", "CONTROL, you ready for the gimbal?"), ("CONTROL", "Ready.")], set()),
    ("ready, asked back", [("CAPCOM", "You ready for the trim test?"), ("FLIGHT", "Are we ready?")], set()),
    # "Look -" opening a sentence is no order; "go ahead" with only a time after it gives the go, no task.
    ("look, a dash", [("FDO", "Go, FLIGHT."), ("FLIGHT", "Look - - go ahead.")], set()),
    ("go ahead, for a time", [("INCO", "GO."), ("FLIGHT", "Go ahead, for 5 minutes.")], set()),
    ("go ahead, for minutes", [("INCO", "Ready on the transceiver."), ("FLIGHT", "Go ahead, for two minutes.")], set()),
    # "The last item we need is ..." said to a call sign names its task.
    (
        "the last item we need",
        [("FLIGHT", "CAPCOM, looks like the last item we need here is a stir on the O2 tanks at their convenience.")],
        {"action:CAPCOM"},
    ),
    (
        "the third thing, named inside",
        [("FLIGHT", "Okay, the third thing we want up there, CAPCOM, is to verify their OMNI configuration.")],
        {"action:CAPCOM"},
    ),
    (
        "two items for",
        [("FLIGHT", "CAPCOM, two items for power saving would be the DECA breakers on panel 11.")],
        {"action:CAPCOM"},
    ),
    # A sentence adverb is nobody to speak to, and "there you go" or "hurry up" no task.
    (
        "however",
        [("GNC", "Rates are steady."), ("FLIGHT", "However, right now, I want to be sure we get the LM stable.")],
        set(),
    ),
    ("there you go", [("GUIDO", "Got it."), ("FLIGHT", "There you go, CAPCOM.")], set()),
    ("come on, now", [("CONTROL", "Still loading."), ("FLIGHT", "Come on, now -")], set()),
    ("hurry up", [("NETWORK", "Working it."), ("FLIGHT", "Hurry up.")], set()),
    # FLIGHT putting off a change in the first person defers it: a decision.
    ("not now, first person", [("FDO", "Negative."), ("FLIGHT", "I'm not turning it down now.")], {"decision"}),
    # A length of time said back is no setting.
    ("a duration said back", [("INCO", "Five minutes."), ("FLIGHT", "Five minutes.")], set()),
    ("seconds said back", [("INCO", "Thirty seconds, FLIGHT."), ("FLIGHT", "30 seconds.")], set()),
]

# The same kinds on a company bridge, where nobody relays.
CASES += [
    ("order, will you?", [("Dana", "Marcus, drain node seven, will you?")], {"action:Marcus", "decision"}),
    ("order, okay?", [("Priya", "Error rate is climbing."), ("Dana", "Keep watching it, okay?")], {"action:Priya"}),
    ("let's, yeah?", [("Dana", "Let's roll back the canary, yeah?")], {"decision"}),
    ("question, right?", [("Dana", "Priya, the errors are only in EU, right?")], set()),
    ("anyone object", [("Dana", "We're going to fail over to the standby. Anyone object?")], set()),
    ("okay with everyone", [("Dana", "We'll roll back the deploy. Is everyone okay with that?")], set()),
    ("sound good", [("Dana", "Let's freeze all deploys until tomorrow. Sound good?")], set()),
    (
        "put, then taken",
        [
            ("Dana", "We're going to fail over to the standby. Anyone object?"),
            ("Priya", "No."),
            ("Dana", "Okay, failover it is."),
        ],
        {"decision"},
    ),
    ("a duration said back", [("Marcus", "Ten minutes."), ("Dana", "Ten minutes.")], set()),
    ("look, a comma", [("Priya", "Errors are up again."), ("Dana", "Look, I think the cache is the problem.")], set()),
    ("listen", [("Priya", "Errors are up again."), ("Dana", "Listen, we have ten minutes before the cut-off.")], set()),
    ("look at it", [("Priya", "Errors are up again."), ("Dana", "Look at the cache hit rate.")], {"action:Priya"}),
    ("go ahead, now", [("Marcus", "Ready to restart."), ("Dana", "Go ahead, now.")], set()),
    ("still", [("Priya", "Errors are flat."), ("Dana", "Still, the error rate is too high.")], set()),
    (
        "otherwise, an order",
        [("Priya", "Errors are flat."), ("Dana", "Otherwise, get the vendor on the phone.")],
        {"action:Priya"},
    ),
    (
        "however, then a request",
        [("Dana", "However, right now I want to be sure of the cache. And I want you to pull the hit rate, Priya.")],
        {"action:Priya"},
    ),
    # A deferral in the first person decides; not seeing something yet reports.
    ("I'm not failing over", [("Priya", "Should we fail over?"), ("Dana", "I'm not failing over now.")], {"decision"}),
    (
        "I won't restart",
        [("Priya", "Should we restart?"), ("Dana", "I won't restart anything until the vendor answers.")],
        {"decision"},
    ),
    ("we're not seeing", [("Priya", "Any errors?"), ("Dana", "We're not seeing errors now.")], set()),
    ("I'm not seeing", [("Priya", "Any errors?"), ("Dana", "I'm not seeing errors right now.")], set()),
    ("not getting", [("Priya", "Any errors?"), ("Dana", "We're not getting alerts yet.")], set()),
    (
        "the next thing we need",
        [("Dana", "Marcus, the next thing we need is a restart of the consumers.")],
        {"action:Marcus"},
    ),
    (
        "the one thing I want",
        [("Dana", "Priya, the one thing I want from you is the error budget for the week.")],
        {"action:Priya"},
    ),
    ("the last thing we need, to nobody", [("Dana", "The last thing we need is another outage tonight.")], set()),
    ("the thing we need to know", [("Dana", "Marcus, the thing we need to know is whether it's the cache.")], set()),
    (
        "might as well",
        [("Priya", "I'd suggest we roll back the canary."), ("Dana", "Yeah, might as well.")],
        {"decision"},
    ),
    (
        "sounds like a plan",
        [("Marcus", "We could drain node seven first and then restart it."), ("Dana", "Sounds like a plan.")],
        {"decision"},
    ),
    (
        "we can do that",
        [("Marcus", "Should we drain node seven first?"), ("Dana", "Okay, we can do that.")],
        {"decision"},
    ),
    ("sounds good, to a report", [("Priya", "Errors are down to two percent."), ("Dana", "Sounds good.")], set()),
    ("ready", [("Priya", "Are we ready to flip the flag?"), ("Dana", "Yes, we're ready.")], {"decision"}),
    ("ready, a responder", [("Dana", "Priya, are you ready to flip the flag?"), ("Priya", "Ready.")], set()),
    (
        "we'll look into it, asked",
        [("Dana", "Priya, why is the queue backing up?"), ("Priya", "Hang on, we'll look into that.")],
        {"action:Priya"},
    ),
    ("we'll dig", [("Marcus", "We'll dig into the slow queries and come back.")], {"action:Marcus"}),
    ("we'll lose", [("Marcus", "We'll lose the cache if we restart it.")], set()),
    (
        "we'll get on it, told",
        [("Dana", "Marcus, restart the consumers on node four."), ("Marcus", "Okay, we'll get on it.")],
        {"action:Marcus", "decision"},
    ),
    ("to the commander", [("Priya", "Dana, roll back the canary.")], set()),
    ("to the commander, terse", [("Dana", "Marcus, go."), ("Marcus", "Restart the consumers, Dana.")], set()),
    ("asked of the commander", [("Lena", "Dana, can you approve the spend?")], {"action:Dana"}),
    (
        "taken by the commander",
        [("Priya", "Dana, roll back the canary."), ("Dana", "Okay, roll back the canary.")],
        {"decision", "action:Priya"},
    ),
    ("said back", [("Priya", "Dana, the EU flag off."), ("Dana", "EU flag off.")], {"decision"}),
    ("said back, a region", [("Marcus", "Failover to us-west, Dana."), ("Dana", "Failover to us-west.")], {"decision"}),
    ("a report said back", [("Priya", "We've got errors on checkout."), ("Dana", "Checkout errors.")], set()),
    ("stand by a minute", [("Marcus", "Stand by one minute, checking the dashboard.")], {"check:Marcus@60"}),
    ("standby two", [("Marcus", "Standby two minutes, I'll pull the graph.")], {"check:Marcus@120"}),
    ("get back to you", [("Lena", "I'll get back to you in ten minutes.")], {"check:Lena@600"}),
    (
        "called, answered",
        [("Dana", "Marcus, you there?"), ("Marcus", "Yep, here."), ("Dana", "Let's restart the consumer group.")],
        {"action:Marcus", "decision"},
    ),
    ("let's, named", [("Dana", "Lena, let's get the banner up on the help centre.")], {"action:Lena"}),
    ("let's turn it off", [("Dana", "Let's get the flag off.")], {"decision"}),
    (
        "said again",
        [("Dana", "Marcus, drain node seven."), ("Marcus", "Sorry, say again?"), ("Dana", "Drain node seven.")],
        {"action:Marcus", "decision"},
    ),
    (
        "keep watching",
        [("Priya", "Error rate is climbing."), ("Dana", "Keep watching the error rate.")],
        {"action:Priya"},
    ),
    ("go, name", [("Priya", "Dana, Priya."), ("Dana", "Go Priya.")], set()),
    ("will pull", [("Dana", "Okay, Marcus will pull the slow query log.")], {"action:Marcus"}),
    ("is going to", [("Dana", "Lena is going to draft the customer notice.")], {"action:Lena"}),
    ("will be back", [("Dana", "Marcus will be back in five.")], set()),
    ("want to take a look", [("Dana", "Priya, you want to take a look at the consumer lag?")], {"action:Priya"}),
    ("do you want to grab", [("Dana", "Tevita, do you want to grab the dashboards?")], {"action:Tevita"}),
    ("want to roll back", [("Dana", "Marcus, do you want to roll back?")], set()),
    (
        "go with the rollback",
        [("Priya", "Rollback or fix forward?"), ("Dana", "Go with the rollback.")],
        {"decision", "action:Priya"},
    ),
    ("don't have", [("Marcus", "We don't have Grafana access yet.")], set()),
    ("what will you", [("Priya", "Looking at it."), ("Dana", "Priya, what will you check first?")], set()),
    ("wait a moment", [("Marcus", "Ready to restart."), ("Dana", "Wait a moment, let me look.")], set()),
    ("you'd better", [("Dana", "Lena, you'd better warn the support team.")], {"action:Lena"}),
    (
        "you better, named inside",
        [("Dana", "Before anyone touches the primary, Marcus, you better take a snapshot.")],
        {"action:Marcus"},
    ),
    ("do you have", [("Dana", "Marcus, do you have the error budget handy?")], set()),
    ("come in", [("Lena", "Dana, I've got numbers from support."), ("Dana", "Come on in.")], set()),
    ("I'll wait", [("Dana", "I'll wait until the replica catches up.")], set()),
    ("let's wait", [("Dana", "Let's wait until the replica catches up.")], {"decision"}),
    ("keep an eye", [("Priya", "Lag is flat now."), ("Dana", "Keep an eye on it, Priya.")], {"action:Priya"}),
    (
        "should I",
        [("Marcus", "Dana, should I restart the consumers?"), ("Dana", "Yes.")],
        {"decision", "action:Marcus"},
    ),
    (
        "want me to",
        [("Lena", "Want me to post the banner now?"), ("Dana", "Yeah, do it.")],
        {"decision", "action:Lena"},
    ),
    ("do we want", [("Priya", "Do we want to fail over to us-west?"), ("Dana", "Yes, Priya.")], {"decision"}),
    ("a yes from a responder", [("Priya", "Do we want to fail over?"), ("Marcus", "Yes.")], set()),
    (
        "long after",
        [("Priya", "Should we flip the flag?")] + [("Marcus", "Still looking.")] * 20 + [("Dana", "Yes.")],
        set(),
    ),
    ("coming on twitter", [("Dana", "Complaints are coming on Twitter also.")], set()),
    ("the flag is coming off", [("Dana", "Okay, the flag is coming off now.")], {"decision"}),
    ("let you know", [("Marcus", "I'll let you know when the replica is back.")], set()),
    ("keep you posted", [("Lena", "I'll keep you posted on the support queue.")], set()),
    ("what we'll do is", [("Dana", "Okay, so what we'll do is fail over to us-west.")], {"decision"}),
    ("not sure whether", [("Dana", "Not sure whether we'll fail over yet.")], set()),
    ("why don't you", [("Dana", "Priya, why don't you take the customer comms?")], {"action:Priya"}),
    ("why don't we", [("Dana", "Priya, why don't we wait for the graphs?")], set()),
    ("don't do anything until", [("Dana", "Don't do anything until the rollback lands.")], {"decision"}),
    ("nothing yet", [("Marcus", "We do not see anything on the replica right now.")], set()),
    (
        "no acceptance",
        [("Dana", "Marcus, restart the consumers."), ("Marcus", "It won't be back for about ten minutes.")],
        {"action:Marcus", "decision"},
    ),
    ("the vendor needs", [("Dana", "Aroha, the vendor needs to raise our quota.")], {"action:Aroha"}),
]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(resolve_spacy())


def extracted(analyzer: Analyzer, exchange: Exchange, *, loop: bool = False) -> list[tuple[Transcript, Extracted]]:
    """Every item the exchange gives, with the line that gave it."""
    started = datetime(2026, 11, 27, 14, 0, tzinfo=UTC).timestamp()
    roles = analyzer.patterns.words("commander_roles")
    speakers = Speakers(LOOP, commander_roles=roles) if loop else Speakers(ROSTER)
    extractor = Extractor(analyzer, speakers, started=started)
    said = exchange if loop else [("Dana", "This is Dana, I am the incident commander."), *exchange]
    out = []
    for seq, (speaker, text) in enumerate(said, 1):
        start = seq * 2.0
        t = Transcript(seq=seq, t=start + 2.0, start=start, end=start + 1.5, text=text, speaker=speaker)
        out += [(t, item) for item in extractor.extract(extractor.attribute(t))]
    return out


def run(analyzer: Analyzer, exchange: Exchange, *, loop: bool = False) -> set[str]:
    out: set[str] = set()
    for t, item in extracted(analyzer, exchange, loop=loop):
        if not isinstance(item, ActionItem | StatusCheck):
            out.add("decision")
            continue
        due = "" if item.due is None else f"@{round(item.due - t.end, -1 if item.due - t.end > 60 else 0):g}"
        if isinstance(item, ActionItem):
            out.add(f"action:{item.owner}{due}")
        elif isinstance(item, StatusCheck):
            out.add(f"check:{item.owner or 'bridge'}{due}")
    return out


@pytest.mark.parametrize("exchange, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_dialogue(analyzer: Analyzer, exchange: Exchange, expected: set[str]) -> None:
    assert run(analyzer, exchange) == expected


@pytest.mark.parametrize("exchange, expected", [c[1:] for c in LOOP_CASES], ids=[c[0] for c in LOOP_CASES])
def test_loop(analyzer: Analyzer, exchange: Exchange, expected: set[str]) -> None:
    assert run(analyzer, exchange, loop=True) == expected


@pytest.mark.parametrize(
    "exchange, loop",
    [
        (
            [
                ("CONTROL", "Are we doing another burn at 79 hours?"),
                ("FLIGHT", "Plan on that."),
                ("CONTROL", "How are we going to get alignment?"),
                ("FLIGHT", "Plan on that."),
            ],
            True,
        ),
        (
            [("INCO", "OMNI Delta, FLIGHT."), ("FLIGHT", "OMNI Delta."), ("INCO", "Delta?"), ("FLIGHT", "OMNI Delta.")],
            True,
        ),
        (
            [
                ("Priya", "Should we restart the consumers?"),
                ("Dana", "Yes, do it."),
                ("Priya", "All of them?"),
                ("Dana", "Yes, do it."),
            ],
            False,
        ),
    ],
    ids=["plan on that", "said back twice", "do it"],
)
def test_the_same_words_again_decide_once(analyzer: Analyzer, exchange: Exchange, loop: bool) -> None:
    """Said again within a minute, even with nothing topical in it, a decision is the one already taken."""
    decisions = [item for _, item in extracted(analyzer, exchange, loop=loop) if isinstance(item, Decision)]
    assert len(decisions) == 1


@pytest.mark.parametrize(
    "said, clean",
    [
        ("I'll let you know when it is back.", "I'll let you know when it is back."),
        ("Do you know the ETA?", "Do you know the ETA?"),
        ("Did you know it was paged?", "Did you know it was paged?"),
        ("It is, you know, slow.", "It is slow."),
        ("Um, we rolled back, you know.", "we rolled back"),
    ],
)
def test_you_know_is_a_filler_only_alone(analyzer: Analyzer, said: str, clean: str) -> None:
    assert analyzer.clean(said) == clean
