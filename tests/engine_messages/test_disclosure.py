"""A child telling of harm done to them: abuse, neglect, threats and coercion, grooming and
sexual exploitation, told by the child it is done to.

Before: "my dad hits me", "he said it's our secret" or "someone is blackmailing me with my
photos" were no finding of their own (at most a weak sign of self-harm, or the groomer's
words found as sexual content, which holds the message). Now they are the `disclosure`
category (the lexicon's phrases, and the model's head of the same name, learned from
children's tellings written for it) and the rule content.disclosure:
recorded and told to the designated safeguarding lead, never held back from the person the
child is telling. A game, a sport, a joke, a denial, a surprise party or a film's plot is
no disclosure.
"""

import pytest

from esafety.engine.messages.checker import check_text
from esafety.engine.messages.classifier import CATEGORIES, normalised_tokens
from esafety.engine.messages.rulebook import builtin_rulebook
from esafety.mailfilter.engine import TELLING_RULES

DISCLOSURES = [
    # abuse
    "my dad hits me",
    "he touches me when mum is out",
    "my stepdad hurts me when he's drunk",
    "i'm scared to go home",
    "mum's boyfriend locks me in my room",
    "there's never any food at home",
    "he makes me do things i don't want to",
    # threats to the writer, coercion
    "he said he'll hurt me if i tell anyone",
    "she said she'd send the pics to everyone if i don't send more",
    # grooming, told by the child it is aimed at
    "my older friend from online wants to meet up and said not to tell my parents",
    "a man on snapchat keeps asking me for pictures",
    "he said it's our secret",
    # sexual exploitation, sextortion
    "someone is blackmailing me with my photos",
    # the same said in other words
    "Miss, my step dad beats me when mum goes out",
    "my uncle touched me and said not to tell anyone",
    "he comes into my room at night when everyone is asleep",
    "i was abused by my uncle when i was little",
    "i think i'm being groomed",
    "a guy i met on roblox wants me to meet him",
    "he's threatening to share my nudes",
    "i don't feel safe at home",
    "if i don't do what he says he'll hurt me",
    "i got beaten up by some boys after school",
    "MY DAD HITS ME",
]

NOT_DISCLOSURES = [
    "my dad hits the gym every day",
    "he hit me up on snapchat",
    "the ball hit me",
    "my mum's boyfriend is taking us to the zoo",
    "don't tell mum about her surprise party, it's our secret",
    "my brother hits me at fifa every time",
    "she touched my phone",
    # a plot told about a film or a book
    "In the film the boy is scared to go home because his dad hits him",
    "The book is about a girl who says my dad hits me and nobody believes her",
    # denials, games, sport, jokes and ordinary words
    "my dad doesn't hit me",
    "i'm not scared to go home",
    "my sister beat me at chess again",
    "he hit me with a snowball",
    "he kicked me out of the group chat",
    "i was hit by a car last year",
    "my mum makes me do my homework",
    "my teacher said not to tell anyone the answers",
    "my nan keeps asking me for pictures of the dog",
    "he said he'll send the photos to my aunt",
    "it hit me hard when grandad died",
    "they hurt my feelings",
    "i'm scared of my dad finding out about my grades",
    "i told him not to tell anyone",
    # a groomer's own words are sexual content, not a child's disclosure
    "don't tell your parents, it's our secret",
    "send me nudes",
]


def test_disclosure_is_a_category_of_its_own():
    assert "disclosure" in CATEGORIES


@pytest.mark.parametrize("text", DISCLOSURES)
def test_a_child_telling_of_harm_is_a_disclosure(clf, text):
    chat = clf.classify(text)
    assert "disclosure" in chat.flagged_categories, (text, chat.hits)
    assert chat.categories["disclosure"] >= 0.6
    # the same in a pupil's own mail
    mail = clf.classify(text, mail=True, personal=True)
    assert "disclosure" in mail.flagged_categories, (text, mail.hits)


@pytest.mark.parametrize("text", NOT_DISCLOSURES)
def test_games_jokes_denials_and_plots_are_not(clf, text):
    result = clf.classify(text)
    assert "disclosure" not in result.flagged_categories, (text, result.hits)
    assert "disclosure" not in clf.classify(text, mail=True).flagged_categories


def test_a_groomers_words_quoted_by_the_child_are_the_disclosure_not_sexual_content(clf):
    # "it's our secret" written to a child is grooming (sexual, held); told by the child
    # ("he said it's our secret") it is the child telling, and must not hold their message.
    assert "sexual" in clf.classify("it's our secret").flagged_categories
    told = clf.classify("he said it's our secret and he keeps sending me nudes")
    assert told.flagged_categories == ["disclosure"], told.hits


def test_the_rule_is_in_the_rulebook_and_never_holds():
    rule = builtin_rulebook().get("content.disclosure")
    assert rule is not None and rule.category == "disclosure"
    assert rule.title == "A child may be being harmed"
    assert rule.severity == "high"
    assert {"pupils", "staff", "inbound"} <= rule.applies_to
    assert rule.action not in ("hold", "block")
    assert all(rule.action_for(r) not in ("hold", "block") for r in (None, "mild", "serious",
                                                                       "gross"))
    seeds = {c.seed for c in rule.clauses}
    assert {"000", "002", "004"} <= seeds
    assert any("tell an adult" in c.section for c in rule.clauses if c.seed == "004")
    # plain words for a child: what to do and who to call, no policy codes
    assert "Childline on 0800 1111" in rule.advice
    assert "designated safeguarding lead" in rule.advice
    assert "§" not in rule.advice and "004" not in rule.advice
    # the mail filter delivers it whatever a school sets its action to
    assert "content.disclosure" in TELLING_RULES


def test_a_pupils_message_cites_rule_clause_excerpt_and_advice_and_is_not_held():
    verdict = check_text("Miss, I need to tell you something. My dad hits me when he has "
                         "been drinking and I am scared to go home.", audience="staff",
                         sender_role="pupil")
    assert verdict.verdict not in ("hold", "block")
    [finding] = [f for f in verdict.findings if f.rule.id == "content.disclosure"]
    out = finding.as_dict()
    assert out["title"] == "A child may be being harmed" and out["severity"] == "high"
    assert out["action"] not in ("hold", "block")
    assert out["clauses"] and all(c[:3] in {"000", "002", "003", "004"} for c in out["clauses"])
    excerpts = " ".join(e["excerpt"] for e in out["evidence"])
    assert "My dad hits me" in excerpts
    assert "Childline" in out["advice"]


def test_ordinary_messages_have_no_disclosure():
    verdict = check_text("Dear Mr Teach, thank you for the trip letter. My dad will collect "
                         "me at four. See you on Monday.", audience="staff",
                         sender_role="pupil")
    assert not any(f.rule.id == "content.disclosure" for f in verdict.findings)


def test_the_excerpt_quotes_the_words_not_a_row_of_asterisks():
    # (every letter of a quoted term may be masked by "*", so a newsletter's row of
    # asterisks once "matched" any term and was quoted instead of the words)
    verdict = check_text("*" * 72 + "\n\nMiss, my dad hits me.", audience="staff",
                         sender_role="pupil")
    [finding] = [f for f in verdict.findings if f.rule.id == "content.disclosure"]
    assert [e.excerpt.lstrip("…") for e in finding.evidence] == ["Miss, my dad hits me."]


@pytest.mark.parametrize("text", [
    "my friend said her dad hits her",
    "my friend is scared to go home because of her stepdad",
    "i think my friend is being groomed",
    "my best friend told me her stepdad touches her",
    "a man on snapchat keeps asking my friend for nudes",
    # a witness telling of someone told to kill themselves (test_risk_context.py)
    "he told her to go die in the group chat",
    "my mate said they keep telling him to kill himself",
])
def test_a_friends_disclosure_passed_on_is_a_disclosure(clf, text):
    assert "disclosure" in clf.classify(text).flagged_categories, text


@pytest.mark.parametrize("text", [
    "my friend's dad hits her at fifa all the time",
    "my friend is scared to go home after her bad report",
])
def test_a_friends_game_or_school_worry_is_not_a_disclosure(clf, text):
    assert "disclosure" not in clf.classify(text).flagged_categories, text


# Bullying told by its target: the names they are called, insults written on their things
# or sent to them, quoted in the child's own report. The insult's words are the
# disclosure's, so the report reaches the teacher (it was held as abusive language, or
# blocked as hate) and the designated safeguarding lead is told.
BULLYING_TOLD = [
    "Miss, the girls in my class keep calling me a fat ugly cow and nobody will sit with me.",
    "Sir, he called me a slag in front of everyone and shared my picture.",
    "Miss, they keep calling me gay and a faggot in PE.",
    "Miss, they wrote fuck off you ugly bitch on my bag",
    "Sir, people keep saying im a fat loser and should go die",
    "she sent me you re a fat ugly bitch and no one likes you",
    "he keeps messaging me saying im a slut and he will share my nudes",
    "Sir, my ex keeps messaging me saying he will kill me.",
]


@pytest.mark.parametrize("text", BULLYING_TOLD)
def test_bullying_told_by_its_target_reaches_the_teacher_and_the_dsl(clf, text):
    assert "disclosure" in clf.classify(text).flagged_categories, (text, clf.classify(text).hits)
    verdict = check_text(text, audience="staff", sender_role="pupil")
    assert verdict.verdict not in ("hold", "block"), [f.rule.id for f in verdict.findings]
    assert [f.rule.id for f in verdict.findings] == ["content.disclosure"]


@pytest.mark.parametrize("text", [
    "my nan calls me sweetheart",
    "he called me to say the match is off",
    "they sent me the homework for monday",
    "my friend keeps messaging me saying youre so funny lol",
    "nobody calls me names anymore, it stopped after year 7",
    "in the film they call him a freak and he gets his revenge",
    # a parent's anger, a joke: "he'll kill me" with an "if", a "when" or a laugh
    "my mum keeps saying she will kill me if i dont tidy my room",
    "my brother keeps messaging me saying he ll kill me lol",
    "he keeps messaging me saying he will kill me when he sees my report",
    # denied, or said to the writer by someone they address
    "i wouldn t tell them to die lmao",
    "that soundtrack you dmed me with was fire as fuck",
    # an adult's dispute (spam for a "banned CD" says this)
    "They have threatened me with lawsuits, fines, and jail",
    # the insult itself, said to someone or by the writer of someone: the writer's
    "you are a fat ugly cow",
    "everyone says youre a fat ugly cow",
    "i called him a fat ugly cow lol",
])
def test_kind_words_errands_stories_and_insults_are_no_bullying_told(clf, text):
    assert "disclosure" not in clf.classify(text).flagged_categories, text


def test_a_phrase_that_asks_for_words_inside_it_names_categories():
    from esafety.engine.messages.classifier import Lexicon, LexiconError, load_lexicon

    data = {"version": 1, "categories": load_lexicon().categories, "words": [],
            "phrases": [{"category": "disclosure", "when": ["called"], "told_of": ["insults"],
                         "patterns": ["called me( \\w+){1,3}"]}]}
    with pytest.raises(LexiconError, match="told_of"):
        Lexicon(data)


# Tellings in words no lexicon phrase has: the model's `disclosure` head, learned from
# children's tellings written for it (scripts/classifier_data/telling.yaml), finds them in
# what a young person writes: a pupil's own mail, posts and chat.
TOLD_IN_OTHER_WORDS = [
    "Sir, an older lad at the park asked me to take a parcel to Leeds on the train and said "
    "he would pay me",
    "someone keeps sending me videos of people getting stabbed and i cant sleep",
    "Miss I dont want to go home tonight, he gets really angry when he drinks",
    "a grown man on discord sends me money and wants me to video call him on my own",
    "i think my friend is being made to sell stuff for some older boys, he owes them money now",
    "nobody has picked me up from school for three days and theres no electric at home",
    "there is a boy in year 10 who brings a knife in his bag and shows it to people at lunch",
]


@pytest.mark.parametrize("text", TOLD_IN_OTHER_WORDS)
def test_a_telling_in_other_words_is_found_by_the_model(clf, text):
    toks = normalised_tokens(text)
    assert not any(h.category == "disclosure" for h in clf.lexicon.hits(toks, " ".join(toks)))
    for result in (clf.classify(text, mail=True, personal=True), clf.classify(text)):
        assert "disclosure" in result.flagged_categories, text
        [hit] = [h for h in result.hits if h.category == "disclosure"]
        assert hit.term  # the words that carried the model's reading, for the finding


@pytest.mark.parametrize("text", [
    "my mum says i can stay at my nans this weekend if i finish my homework first",
    "can you send me the homework from today please i was off with a cold",
    "is the history homework on the holocaust due on monday or tuesday",
])
def test_ordinary_messages_to_staff_are_no_telling(clf, text):
    assert "disclosure" not in clf.classify(text, mail=True, personal=True).flagged_categories


def test_the_model_alone_finds_no_telling_in_a_few_words_nor_in_adults_mail(clf):
    # (its reading of one or two words is those words': "send the pics", "home safe?")
    assert clf.classify("send the pics").categories["disclosure"] < 0.6
    # A member of staff passing a pupil's words on to the DSL writes adults' mail.
    text = TOLD_IN_OTHER_WORDS[2]
    assert clf.classify(text, mail=True, personal=False).categories["disclosure"] < 0.6


def test_a_threat_said_as_a_figure_of_speech_is_no_telling_but_one_to_keep_quiet_is(clf):
    assert "disclosure" not in clf.classify(
        "my mum keeps saying she will kill me if i dont tidy my room").flagged_categories
    assert "disclosure" in clf.classify(
        "he keeps saying he will kill me if i tell anyone").flagged_categories


@pytest.mark.parametrize("text", [
    "my mums boyfriend grabbed me by the neck last night",
    "my dad pushed me against the wall when mum was at work",
    "she dragged me down the stairs by my hair",
])
def test_being_grabbed_pushed_or_dragged_is_told(clf, text):
    assert any(h.category == "disclosure" for h in clf.classify(text).hits)


def test_a_slur_told_with_its_letters_starred_out_is_the_telling(clf):
    result = clf.classify("they called me a n***** in the changing rooms")
    assert "disclosure" in result.flagged_categories
    assert "discrimination" not in result.flagged_categories
    [hit] = [h for h in result.hits if h.category == "disclosure"]
    assert "n*****" in hit.term


LONG_TELLING = (
    "Dear Miss Patel, I hope you had a nice weekend. I wanted to write to you because I don't "
    "really know who else to tell and it has been going on for a while now. Since my mum's "
    "new partner moved in things at home have been really different. There is hardly ever any "
    "food in the cupboards and I have been looking after my little sister most evenings "
    "because they go out and don't come back until really late. Last week the electric ran "
    "out and we sat in the dark until after midnight. I'm not sure if I'm overreacting. Please "
    "could I come and see you at lunch on Tuesday? Thank you, Amira")
LONG_ORDINARY = (
    "Hi Miss, sorry this is long. My nan has been in hospital since Saturday because she fell "
    "and broke her hip, so my mum has been going there every evening and I have been helping "
    "with tea for my little brother. The doctors say she should be home in a couple of weeks "
    "and she is doing really well. I wanted to ask if I could hand my geography coursework in "
    "on Monday instead of Friday because I have not had as much time this week. I have done "
    "most of it already. Thank you so much, Tyler")


def test_a_pupils_long_email_is_read_through_for_a_telling():
    # In long mail the model reads only the words around the lexicon's; a pupil building up
    # to a telling uses none of them, so their own long mail is read through in windows.
    verdict = check_text(LONG_TELLING, audience="staff", sender_role="pupil")
    [finding] = [f for f in verdict.findings if f.rule.id == "content.disclosure"]
    assert finding.evidence[0].excerpt.strip("…")  # a window of the words, quoted
    assert not check_text(LONG_ORDINARY, audience="staff", sender_role="pupil").findings
    # An adult's long mail is correspondence: not read through.
    assert not [f for f in check_text(LONG_TELLING, audience="staff", sender_role="teacher")
                .findings if f.rule.id == "content.disclosure"]
