"""L03: festival diphone voices (residual-excited LPC diphone concatenation)."""

from __future__ import annotations

from typing import ClassVar

from spoofscope.localspoof.attacks import ATTACKS
from spoofscope.localspoof.attacks.base import Requirement, TtsVoice
from spoofscope.localspoof.attacks.festival import FestivalAttack

_VOICES = "/usr/share/festival/voices"


@ATTACKS.register("L03")
class FestivalDiphoneAttack(FestivalAttack):
    """kal and ked (American English, male) and the Italian lp (female) and pc (male) diphones."""

    id = "L03"
    title = "festival diphone TTS"
    requires = (
        Requirement("festival", "apt", "text2wave"),
        Requirement("festvox-kallpc16k", "apt", f"{_VOICES}/english/kal_diphone"),
        Requirement("festvox-kdlpc16k", "apt", f"{_VOICES}/english/ked_diphone"),
        Requirement("festvox-italp16k", "apt", f"{_VOICES}/italian/lp_diphone"),
        Requirement("festvox-itapc16k", "apt", f"{_VOICES}/italian/pc_diphone"),
    )
    voices: ClassVar[tuple[TtsVoice, ...]] = (
        TtsVoice("kal_diphone", "en", "male"),
        TtsVoice("ked_diphone", "en", "male"),
        TtsVoice("lp_diphone", "it", "female", "latin-1"),
        TtsVoice("pc_diphone", "it", "male", "latin-1"),
    )
