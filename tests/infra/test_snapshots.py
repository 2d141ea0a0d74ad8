"""One snapshot per stack (asset hashes normalised): a template change is a reviewed diff.

Update after an intended change with `pytest tests/infra/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.infra.cfn import normalise
from tests.infra.conftest import PIPELINE, STORAGE


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("stack", [STORAGE, PIPELINE])
def test_template_matches_snapshot(synthesized, snapshot_json, stack):
    assert normalise(synthesized.templates[stack]) == snapshot_json
