import json
import os
import random

import numpy as np
import pytest

from course_lib import runtime


def test_read_profile_defaults_to_full(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert runtime.read_profile() == "full"


def test_read_profile_reads_environment_and_argument_wins(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    assert runtime.read_profile() == "smoke"
    assert runtime.read_profile("full") == "full"


def test_read_profile_rejects_unknown_name():
    with pytest.raises(ValueError, match="unknown profile 'fast'.*smoke, full"):
        runtime.read_profile("fast")


def test_setup_exposes_the_chosen_profile_sizes(capsys):
    run = runtime.setup("99_test", "smoke", smoke=dict(epochs=2, n_train=100), full=dict(epochs=20, n_train=None))
    assert (run.profile, run.epochs, run.n_train) == ("smoke", 2, 100)
    banner = capsys.readouterr().out.strip()
    assert banner.startswith("[99_test] profile=smoke") and "keras" in banner and "device=" in banner
    assert "\n" not in banner


def test_unknown_size_names_the_defined_ones():
    run = runtime.setup("99_test", "full", smoke=dict(epochs=2), full=dict(epochs=20))
    with pytest.raises(AttributeError, match="defines no size 'epoch'.*epochs"):
        run.epoch


def test_setup_requires_the_same_sizes_in_both_profiles():
    with pytest.raises(ValueError, match="only in smoke: \\['extra'\\]"):
        runtime.setup("99_test", "full", smoke=dict(epochs=2, extra=1), full=dict(epochs=20))


def test_setup_needs_a_notebook_name():
    with pytest.raises(ValueError, match="notebook's name"):
        runtime.setup("", "full", smoke={}, full={})


def test_setup_seeds_python_numpy_and_run_rng():
    draws = []
    for _ in range(2):
        run = runtime.setup("99_test", "smoke", smoke={}, full={}, seed=7)
        draws.append((random.random(), np.random.rand(), run.rng.random()))
    assert draws[0] == draws[1]


def test_record_writes_results_json(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_RESULTS_DIR", str(tmp_path))
    run = runtime.setup("99_test", "smoke", smoke={}, full={})
    run.record(mnist_mlp_test_accuracy=np.float32(0.5), mnist_mlp_params=np.int64(10))
    record = json.loads((tmp_path / "99_test.json").read_text())
    assert set(record) - {"load_average", "cpu_count"} == {"notebook", "profile", "backend", "device", "seconds",
                                                           "metrics"}
    assert record["profile"] == "smoke"
    assert record["metrics"] == {"mnist_mlp_test_accuracy": 0.5, "mnist_mlp_params": 10}


def test_record_rejects_percentages():
    run = runtime.setup("99_test", "smoke", smoke={}, full={})
    with pytest.raises(ValueError, match="fraction in \\[0, 1\\]"):
        run.record(mnist_mlp_test_accuracy=98.2)


def test_finish_prints_every_metric(capsys):
    run = runtime.setup("99_test", "smoke", smoke={}, full={})
    run.record(mnist_mlp_test_accuracy=0.98125, mnist_mlp_params=1234)
    run.finish()
    out = capsys.readouterr().out
    assert "98.12%" in out and "1,234" in out and "99_test (smoke profile) took" in out


def test_native_stderr_silenced_hides_descriptor_two(capfd):
    with runtime.native_stderr_silenced():
        os.write(2, b"native noise\n")
    os.write(2, b"visible again\n")
    err = capfd.readouterr().err
    assert "native noise" not in err and "visible again" in err


def test_device_name_is_cpu_or_an_accelerator():
    name = runtime.device_name()
    assert name == "CPU" or name.startswith(("GPU", "TPU"))


def test_environment_report_covers_the_declared_dependencies():
    rows = {row["package"]: row for row in runtime.environment_report()}
    assert {"keras", "numpy", "matplotlib", "scikit-learn"} <= set(rows)
    assert rows["keras"]["needs"] == ">=3.15" and rows["keras"]["ok"] is True


def test_machine_load_is_recorded_where_the_platform_has_it():
    load = runtime.machine_load()
    if hasattr(os, "getloadavg"):
        assert load["load_average"] >= 0 and load["cpu_count"] >= 1
    else:
        assert load == {}
