"""L04: festival statistical-parametric (HTS) and unit-selection voices Debian ships."""

from __future__ import annotations

from typing import ClassVar

from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import Requirement, TtsVoice
from spoofscope.localspoof.attacks.festival import FestivalAttack

_VOICES = "/usr/share/festival/voices"


@ATTACKS.register("L04")
class FestivalHtsAttack(FestivalAttack):
    """CMU ARCTIC slt HTS (en), the Czech dita and machac voices, and the Russian msu_ru_nsh."""

    id = "L04"
    title = "festival HTS / unit-selection TTS"
    requires = (
        Requirement("festival", "apt", "text2wave"),
        Requirement("festvox-us-slt-hts", "apt", f"{_VOICES}/us/cmu_us_slt_arctic_hts"),
        Requirement("festvox-czech-dita", "apt", f"{_VOICES}/czech/czech_dita"),
        Requirement("festvox-czech-machac", "apt", f"{_VOICES}/czech/czech_machac"),
        Requirement("festvox-ru", "apt", f"{_VOICES}/russian/msu_ru_nsh_clunits"),
    )
    voices: ClassVar[tuple[TtsVoice, ...]] = (
        TtsVoice("cmu_us_slt_arctic_hts", "en", "female"),
        TtsVoice("czech_dita", "cs", "female", "iso-8859-2"),
        TtsVoice("czech_machac", "cs", "male", "iso-8859-2"),
        TtsVoice("msu_ru_nsh_clunits", "ru", "male", strict_lts=True),
    )
