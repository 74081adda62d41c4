"""An asset checked against platforms: what each one would refuse, and the rendition that would fix it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .platform_rules import media_rules_for, platform_label, platforms_with_media_rules
from .recipes import RenditionRecipe
from .rules import MediaFactsLike, MediaProblem, media_rules_check, media_rules_fix


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
