"""Self-harm words said as teenage hyperbole, and risk said in other words.

"i want to die" and "kill myself" said plainly stay a finding (a DSL must see a pupil who
writes them). Said with a joke or a trivial cause around them ("so cute i want to die",
"if we lose i'm going to kill myself", "lmao") they count only as a weaker sign, which adds
up with other signs of distress. Farewells, a last night, a method looked up, the courage
to act and being gone are found without the explicit words.
"""

import pytest


def self_harm(clf, text: str) -> float:
    return clf.classify(text).categories["self_harm"]


@pytest.mark.parametrize("text", [
    "his new haircut is so cute i want to die",
    "the season finale was brutal, they wrote out my favourite character, i want to die",
    "my geography homework is due in an hour and i want to die",
    "i tripped up the stairs in front of the whole class, so embarrassing, i want to kill myself",
    "i want to die, my brother just fell in the pond lmao",
    "haha i want to die, that video is the best thing all week",
    "if we lose to year 10 again i am going to kill myself",
    "when i see them in the corridor i just want to die, they are so annoying",
    "if i have to hear that ringtone once more i will kill myself",
    "i almost killed myself laughing at that",
    "i want to die my hair purple for the summer",
    "maths test tomorrow kms",
    "kms lol that was the worst goal ever",
    "i'm going to die, i fell asleep in assembly in front of the head",
])
def test_hyperbole_alone_is_not_a_self_harm_finding(clf, text):
    result = clf.classify(text)
    assert result.categories["self_harm"] < 0.5, (text, result.hits)
    assert "self_harm" not in result.flagged_categories


@pytest.mark.parametrize("text", [
    "i want to die",
    "i just want to die",
    "i really want to kill myself",
    "i want to fucking die",
    "my exam results came back and i want to die",
    "i hate my life i want to die",
    "i saw them today and honestly i want to kill myself",
    "kms",
    "i want to kms tonight",
    "i am going to end it tonight",
])
def test_plain_statements_stay_findings(clf, text):
    assert self_harm(clf, text) >= 0.9, text
    assert "self_harm" in clf.classify(text).flagged_categories


def test_hyperbole_still_adds_up_with_other_signs_of_distress(clf):
    joke = self_harm(clf, "lol i want to die")
    with_distress = self_harm(clf, "lol i want to die, nobody cares about me and i feel empty")
    assert 0 < joke < 0.5 <= with_distress


@pytest.mark.parametrize("text", [
    "you don't know how much i wanted to kill myself last year",
    "this is my final goodbye",
    "tonight is my last night alive",
    "you will all be sorry when i'm gone",
    "what is the most painless way to die",
    "i finally have the courage to end it",
    "i hope i don't wake up tomorrow",
    "i almost killed myself last month",
    "all i want to do is die",
    "i am leaving this world soon",
    "i just wanna be gone",
    "i have nothing left to live for",
    "i wrote down my suicide plan",
    "i wish i'd never been born",
    "i keep thinking about how i could end my miserable life",
    "i just want to sleep and not even wake up",
    "what is the easy way to kill oneself",
    "i want to walk into traffic on the way home",
    "i don't plan on turning 16",
    "i think this will be my last birthday",
    "i woke up disappointed that i'm still here",
    "my cat is the only reason i'm still alive",
    "what's the damn point anymore",
    "i want to die for real this time",
    "why can't i just die",
    "i should just give up and die",
    "i want to drown myself",
    "i just tied a noose",
    "how many tablets is a lethal dose",
    "i have taken 20 paracetamol",
    "goodnight forever everyone",
    "i feel like ending things",
    "i don't deserve to live",
    "i hate being alive",
    "i can't stand my life anymore",
    "i can t do this anymore",  # an apostrophe lost to a space, as in copied posts
    "i really don t want to live",
    "what happens to my things following my suicide",
    "i have been on the verge of suicide all week",
    "my mum is the only reason not to do it",
    "i have been trying so hard not to jump off",
    "i hate me and i want me dead",
    "i have nothing worth living for",
])
def test_risk_in_other_words_is_found(clf, text):
    result = clf.classify(text)
    assert "self_harm" in result.flagged_categories, (text, result.categories)


@pytest.mark.parametrize("text", [
    "when i'm gone on holiday please feed the cat",
    "i hope i wake up in time for the bus",
    "what is the quickest way to go to the station",
    "he wanted me to kill myself",
    "goodbye everyone, see you on monday",
    "our dog is leaving this house for a new home",
    "i don't plan on going to the party",
    "this will be my last year at primary school",
    "is there an easy way to learn the times tables",
    "we walked into town and caught the train home",
    "i took my pills this morning like the doctor said",
    "this chocolate cake is to die for",
    "i'm going to drown myself in coursework this weekend",
    "i hope there is no rain tomorrow",
    "i am trying not to relapse into eating sweets before the match",
])
def test_ordinary_words_near_these_phrases_are_not_findings(clf, text):
    result = clf.classify(text)
    assert "self_harm" not in result.flagged_categories, (text, result.hits)


# A long first-person account: the signs of distress it shows add up even with no word of
# risk. None of these words alone is a finding; the shorter post is not read as a whole.
LONG_ACCOUNT = (
    "i don't really know why i am writing this but i have nobody else to tell. my mum and "
    "dad argue every night and i just sit in my room. at school i keep my head down and "
    "say i am fine. i feel so guilty for being like this when other people have it worse, "
    "and honestly i am drained all the time. i feel helpless and i don't know what to do "
    "about any of it, and i can't say it to my friends because they would not get it."
)


def test_a_long_first_person_account_with_signs_of_distress_is_found(clf):
    result = clf.classify(LONG_ACCOUNT)
    assert "self_harm" in result.flagged_categories, result.categories
    short = "i feel so guilty about the cake, i am drained after the match"
    assert "self_harm" not in clf.classify(short).flagged_categories


@pytest.mark.parametrize("text", [
    "i want to die 😂😂",
    "🤣🤣 i am going to kill myself",
    "kms 💀",
])
def test_a_laughing_face_is_the_same_joke_as_lol(clf, text):
    # Teenagers laugh in emoji more than in words: 😂 🤣 💀 read as "lol" does.
    assert self_harm(clf, text) < 0.5


def test_without_the_laughing_face_the_same_words_are_a_finding(clf):
    assert self_harm(clf, "i want to die") >= 0.5
    assert self_harm(clf, "i want to die 😢") >= 0.5  # a crying face is no joke


@pytest.mark.parametrize("text", [
    # A condition that is harm, not a match or a song: a disclosure, not a joke.
    "i want to kill myself if he touches me again",
    "if i have to go back home tonight i want to die",
    # "When" and "at" make a joke only of a thing seen or heard ("when i see this",
    # "at how cute this is"), not of what happens to the writer.
    "i want to die when he comes into my room at night",
    "i want to die when i think about what happened",
    "i want to die at school every day",
    "i want to die at the thought of going back there",
    # Seeing them at school is the bullied child's dread, not a fan's.
    "when i see them at school i just want to die",
    # Being bullied or hated adds up with a hedged wish to die.
    "everyone at school hates me and when i see them i want to die",
    "i get bullied every day and i want to die lol",
])
def test_a_disclosure_behind_a_hyperbole_marker_is_still_a_finding(clf, text):
    assert self_harm(clf, text) >= 0.5


@pytest.mark.parametrize("text", [
    "if we lose tonight i will kill myself",
    "if i have to hear that song again i want to die",
    "i want to die when i see this video",
    "i want to die at how cute this is",
])
def test_a_trivial_condition_is_still_hyperbole(clf, text):
    assert self_harm(clf, text) < 0.5


@pytest.mark.parametrize("text", [
    "if my dad hits me one more time i'm going to kill myself",
    "he showed everyone the pic of me, so embarrassing, i want to kill myself",
    "my uncle sent me a song and said to keep it secret, i want to die",
    "i'm so embarrassed about what he made me do i want to die",
    "i can't do my homework because he keeps hurting me, i want to die",
])
def test_harm_done_to_the_writer_is_no_joke(clf, text):
    # Being hit, touched, made to do things, sworn to secrecy or having a picture shared is
    # a sign of distress: it adds up with the hedged wish to die that the joke marker
    # ("one more time", "so embarrassing", a song, homework) made weak.
    assert self_harm(clf, text) >= 0.5


@pytest.mark.parametrize("text", [
    "this song hits me so hard i want to die lol",
    "the ball hit me in the face so embarrassing i want to die",
    "my dad hits me",  # a sign alone is never a self-harm finding
])
def test_no_one_doing_harm_or_a_sign_alone_is_not_a_finding(clf, text):
    assert self_harm(clf, text) < 0.5


@pytest.mark.parametrize("text", [
    "i've been cutting again",
    "i started cutting again last night",
    "i've been burning myself",
    "i've been self harming since year 8",
])
def test_self_harm_going_on_is_a_finding(clf, text):
    assert self_harm(clf, text) >= 0.5


@pytest.mark.parametrize("text", [
    "cutting the grass again today",
    "i've been cutting back on sugar",
    "i keep burning myself on the straighteners",
    "i keep scratching my arms",
    "i stopped cutting 6 months ago",
])
def test_cutting_and_burning_in_other_senses_are_not(clf, text):
    assert self_harm(clf, text) < 0.5


@pytest.mark.parametrize("text", [
    "lol i'm fine i just want to die",
    "i'm fine lol i just want to die",
    "haha im fine just wanna die",
    "i'm fine, i just want to disappear",
])
def test_laughing_it_off_with_im_fine_is_no_joke(clf, text):
    # Saying "i'm fine" and laughing is how many hide it: the laughter does not make the
    # wish to die a joke here.
    assert "self_harm" in clf.classify(text).flagged_categories, text


@pytest.mark.parametrize("text", ["im fine lol", "i'm fine, just tired",
                                  "lol i want to die this song is so good"])
def test_im_fine_alone_or_a_joke_without_it_is_not_a_finding(clf, text):
    assert "self_harm" not in clf.classify(text).flagged_categories, text
