"""The base of the forms that save through the core: a form must say how it saves."""

from __future__ import annotations

import pytest

from screens.saving_form import SavingForm


def test_a_saving_form_without_its_save_is_refused_when_made() -> None:
    with pytest.raises(TypeError, match="_save"):

        class Forgetful(SavingForm):
            pass

    class Saves(SavingForm):
        def _save(self) -> None:
            self.save_with(lambda: None)

    assert issubclass(Saves, SavingForm)
