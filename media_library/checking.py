"""Assets checked against platforms: what each one would refuse, and the rendition that would fix it.

Two views: ``media_asset_check_platforms`` (one asset against every platform, for the library's pages) and
``media_asset_check_accounts`` (one asset against the accounts a post goes to, for the post form and the
post services: a Mastodon account follows its own server's limits).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .platform_rules import media_rules_for
from .platform_rules import platform_label
from .platform_rules import platforms_with_media_rules
from .recipes import RenditionRecipe
from .rules import MediaFactsLike
from .rules import MediaProblem
from .rules import MediaRules
from .rules import media_rules_check
from .rules import media_rules_fix

if TYPE_CHECKING:
    from social.models import SocialAccount


@dataclass(frozen=True)
class PlatformVerdict:
    platform: str  # a social.models.Platform value
    label: str  # "Instagram"
    problems: tuple[MediaProblem, ...]
    fix: RenditionRecipe | None  # one rendition fixing every problem that has a mechanical fix

    @property
    def accepted(self) -> bool:
        return not self.problems

    @property
    def fixable(self) -> bool:
        """The rendition fixes everything (not just part of it)."""
        return self.fix is not None and all(problem.fix for problem in self.problems)


def media_asset_check_platforms(
    *, asset: MediaFactsLike, platforms: Iterable[str] | None = None
) -> list[PlatformVerdict]:
    """The verdict of each platform (every enabled one with media rules by default) on one asset."""
    verdicts = []
    for platform in platforms if platforms is not None else platforms_with_media_rules():
        rules = media_rules_for(platform)
        if rules is None:
            continue
        problems = tuple(media_rules_check(asset=asset, rules=rules, platform=platform_label(platform)))
        verdicts.append(
            PlatformVerdict(platform, platform_label(platform), problems, media_rules_fix(problems))
        )
    return verdicts


@dataclass(frozen=True)
class AccountRules:
    """The media rules some of a post's accounts follow, under the name messages give them."""

    platform: str
    label: str  # "Instagram"; "Mastodon (@ana@small.example)" when accounts of a platform differ
    rules: MediaRules


def media_rules_of_accounts(accounts: Iterable[SocialAccount]) -> list[AccountRules]:
    """The rules the accounts follow, once per platform and rules (two accounts of one platform follow the
    same rules, except on Mastodon, where each server has its own). Platforms without rules are left out."""
    found: list[tuple[SocialAccount, MediaRules]] = []
    for account in accounts:
        rules = media_rules_for(account.platform, account=account)
        if rules is not None and all((a.platform, r) != (account.platform, rules) for a, r in found):
            found.append((account, rules))
    platforms = [account.platform for account, _ in found]
    return [
        AccountRules(
            account.platform,
            platform_label(account.platform)
            + (f" ({account.name})" if platforms.count(account.platform) > 1 else ""),
            rules,
        )
        for account, rules in found
    ]


@dataclass(frozen=True)
class AssetCheck:
    """One asset against a post's accounts: every problem, and the one rendition fixing what it can."""

    problems: tuple[MediaProblem, ...]
    fix: RenditionRecipe | None
    fix_name: str  # the rendition as the offer names it: "4:5 JPEG"

    def messages(self, *, name: str = "") -> list[str]:
        """Each problem in words, the asset's ``name`` after the platform when given, and where the fix is
        mechanical the rendition that fixes it ("Instagram: story.jpg: aspect ratio ... — use its 4:5
        rendition")."""
        lines = []
        for problem in self.problems:
            text = problem.message
            if name and problem.platform:
                text = f"{problem.platform}: {name}: {text.removeprefix(f'{problem.platform}: ')}"
            if problem.fix is not None and self.fix is not None:
                text += f" — use its {self.fix_name} rendition"
            lines.append(text)
        return lines


def media_asset_check_accounts(*, asset: MediaFactsLike, rules: Sequence[AccountRules]) -> AssetCheck:
    """What the platforms ``rules`` came from say about one asset (``media_rules_of_accounts``)."""
    problems = tuple(
        problem
        for account_rules in rules
        for problem in media_rules_check(asset=asset, rules=account_rules.rules, platform=account_rules.label)
    )
    fix = media_rules_fix(problems)
    return AssetCheck(problems, fix, rendition_name(fix, asset) if fix else "")


def rendition_name(recipe: RenditionRecipe, asset: MediaFactsLike) -> str:
    """A rendition in a few words, as the offer names it: "4:5 JPEG", "compressed", "smaller PNG"."""
    words = []
    ratio = asset.width / asset.height if asset.width and asset.height else None
    if ratio is not None and recipe.min_aspect and ratio < recipe.min_aspect.value:
        words.append(recipe.min_aspect.label)
    elif ratio is not None and recipe.max_aspect and ratio > recipe.max_aspect.value:
        words.append(recipe.max_aspect.label)
    if recipe.max_width or recipe.max_height or recipe.max_pixels:
        words.append("smaller")
    if recipe.max_bytes:
        words.append("compressed")
    if recipe.strip_location:
        words.append("location-free")
    if recipe.format:
        words.append(recipe.format.upper())
    return " ".join(words) or "fixed"
