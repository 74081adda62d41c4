"""Facebook Pages: posts through the Graph API with a Page token, Pages picked after Facebook Login."""

from social.platforms.spec import OptionField, PlatformLimits, PlatformSpec, Setting, oauth_app_settings

MAX_TEXT_LENGTH = 63_206

SPEC = PlatformSpec(
    platform="FACEBOOK",
    name="Facebook",
    badge="FB",
    color="#1877f2",
    connect_label="Connect Facebook Page",
    client="social.platforms.facebook.client.FacebookClient",
    provider="social.platforms.facebook.oauth.FacebookProvider",
    account_noun="Page",
    options=(OptionField("content", "Text for Facebook", multiline=True),),
    settings=(
        # Instagram publishes through the same Graph API version.
        Setting("API_VERSION", "v25.0"),
        Setting("API_URL", "https://graph.facebook.com"),
        *oauth_app_settings(
            "https://www.facebook.com/{FACEBOOK_API_VERSION}/dialog/oauth",
            "https://graph.facebook.com/{FACEBOOK_API_VERSION}/oauth/access_token",
        ),
    ),
    limits=PlatformLimits(text_length=MAX_TEXT_LENGTH),
)
