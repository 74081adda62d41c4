"""What a ``PlatformSpec`` derives by convention when its package declares only what is its own."""

from __future__ import annotations

from social.platforms.spec import Badge
from social.platforms.spec import OptionField
from social.platforms.spec import PlatformSpec


def spec(**changes) -> PlatformSpec:
    return PlatformSpec(
        **({"platform": "EXAMPLE", "name": "Example", "badge": Badge("EX", "#000")} | changes)
    )


def test_spec__client_provider_and_label_follow_the_package_and_name():
    example = spec(account_noun="page")

    assert example.client == "social.platforms.example.client.ExampleClient"
    assert example.provider == "social.platforms.example.oauth.ExampleProvider"
    assert example.connect_label == "Connect Example page"


def test_spec__class_prefix_names_the_classes_when_the_name_differs():
    example = spec(name="X", class_prefix="Twitter")

    assert example.client == "social.platforms.example.client.TwitterClient"
    assert example.provider == "social.platforms.example.oauth.TwitterProvider"
    assert example.connect_label == "Connect X account"


def test_spec__declared_values_win_and_none_means_no_provider():
    example = spec(client="elsewhere.Client", provider=None, connect_label="Link it")

    assert (example.client, example.provider, example.connect_label) == ("elsewhere.Client", None, "Link it")
    assert example.provider_class is None


def test_spec__a_text_option_comes_first_unless_declared():
    mood = OptionField("mood", "Example mood")

    assert [(option.key, option.label) for option in spec(options=(mood,)).options] == [
        ("content", "Text for Example"),
        ("mood", "Example mood"),
    ]
    caption = OptionField("content", "Caption", multiline=True)
    assert spec(options=(mood, caption)).options == (mood, caption)


def test_spec__a_copy_of_a_derived_spec_is_the_same_spec():
    example = spec()

    assert PlatformSpec(**{name: getattr(example, name) for name in example.__dataclass_fields__}) == example
