import json

import pytest

from course_lib import results


def record(notebook, profile, **metrics):
    return {"notebook": notebook, "profile": profile, "backend": "tensorflow", "device": "CPU",
            "seconds": 12.3, "metrics": metrics}


@pytest.mark.parametrize("name", ["accuracy", "mnist_accuracy", "MNIST_mlp_accuracy", "mnist-mlp-accuracy"])
def test_metric_names_follow_dataset_model_measure(name):
    with pytest.raises(ValueError, match="snake_case"):
        results.validate_metrics({name: 0.5})


@pytest.mark.parametrize("value", [float("nan"), True, "0.9", None])
def test_metric_values_are_finite_numbers(value):
    with pytest.raises(ValueError, match="finite number"):
        results.validate_metrics({"mnist_mlp_test_accuracy": value})


def test_validate_metrics_converts_to_plain_numbers():
    import numpy as np

    checked = results.validate_metrics({"mnist_mlp_test_accuracy": np.float64(0.25), "mnist_mlp_params": np.int32(3)})
    assert checked == {"mnist_mlp_test_accuracy": 0.25, "mnist_mlp_params": 3}
    assert type(checked["mnist_mlp_params"]) is int


def test_write_record_without_folder_writes_nothing(monkeypatch):
    monkeypatch.delenv("COURSE_RESULTS_DIR", raising=False)
    assert results.write_record(record("01_a", "smoke")) is None


def test_write_record_requires_every_key(tmp_path):
    with pytest.raises(ValueError, match="missing \\['seconds'"):
        results.write_record({"notebook": "x", "profile": "smoke", "backend": "b", "device": "d"}, tmp_path)


def test_round_trip_and_table(tmp_path):
    smoke, full = tmp_path / "smoke", tmp_path / "full"
    results.write_record(record("01_a", "smoke", mnist_mlp_test_accuracy=0.9), smoke)
    results.write_record(record("01_a", "full", mnist_mlp_test_accuracy=0.985, mnist_mlp_fit_seconds=40.25), full)
    results.write_record(record("02_b", "full", mnist_mlp_params=101_770), full)
    table = results.results_table([results.load_records(smoke), results.load_records(full)])
    assert "| 01_a | `mnist_mlp_test_accuracy` | 90.00% | 98.50% |" in table
    assert "| 01_a | `mnist_mlp_fit_seconds` |  | 40.2 s |" in table
    assert "| 02_b | `mnist_mlp_params` |  | 101,770 |" in table
    assert "seconds, smoke (CPU)" in table and "seconds, full (CPU)" in table


def test_command_line_prints_markdown(tmp_path, capsys):
    results.write_record(record("01_a", "full", mnist_mlp_test_accuracy=0.5), tmp_path)
    assert results.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Results") and "`mnist_mlp_test_accuracy` | 50.00%" in out


def test_command_line_reports_missing_folder(tmp_path, capsys):
    assert results.main([str(tmp_path / "nope")]) == 2
    assert "no results folder" in capsys.readouterr().err


def test_load_records_rejects_foreign_json(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps({"notebook": "x"}))
    with pytest.raises(ValueError, match="not a results record"):
        results.load_records(tmp_path)


def test_format_duration():
    assert [results.format_duration(s) for s in (7.4, 59.6, 133, 1207)] == ["7 s", "1 min 0 s", "2 min 13 s",
                                                                           "20 min 7 s"]


def test_curriculum_times_come_from_the_records():
    readme = ("intro\n| # | lesson | topics | smoke | full | Colab |\n"
              "| 01 | [The perceptron](notebooks/01_perceptron.ipynb) | a, b | 1 s | 2 s | [open](x) |\n"
              "| 02 | [Next](notebooks/02_next.ipynb) | c | 3 s | 4 s | [open](y) |\nend")
    smoke = [dict(record("01_perceptron", "smoke"), seconds=7.2)]
    full = [dict(record("01_perceptron", "full"), seconds=133.0)]
    updated = results.curriculum_with_times(readme, smoke, full)
    assert "| 01 | [The perceptron](notebooks/01_perceptron.ipynb) | a, b | 7 s | 2 min 13 s | [open](x) |" in updated
    assert "| 02 | [Next](notebooks/02_next.ipynb) | c | not run | not run | [open](y) |" in updated
    assert updated.startswith("intro\n") and updated.endswith("\nend")


def test_the_readme_states_the_recorded_times():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    records = [results.load_records(root / "results" / profile) for profile in ("smoke", "full")]
    assert results.curriculum_with_times(readme, *records) == readme, \
        "run: python -m course_lib.results results/smoke results/full --readme README.md"
    lessons = sorted(path.stem for path in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [m["notebook"] for m in map(results.CURRICULUM_ROW.match, readme.split("\n")) if m] == lessons


def test_command_line_updates_the_readme(tmp_path, capsys):
    smoke, full = tmp_path / "smoke", tmp_path / "full"
    results.write_record(dict(record("01_a", "smoke"), seconds=5.0), smoke)
    results.write_record(dict(record("01_a", "full"), seconds=65.0), full)
    readme = tmp_path / "README.md"
    readme.write_text("| 01 | [A](notebooks/01_a.ipynb) | t | ? | ? | [open](u) |\n")
    assert results.main([str(smoke), str(full), "--readme", str(readme)]) == 0
    assert readme.read_text() == "| 01 | [A](notebooks/01_a.ipynb) | t | 5 s | 1 min 5 s | [open](u) |\n"
    assert results.main([str(smoke), "--readme", str(readme)]) == 2


def test_times_measured_on_a_busy_machine_are_marked(tmp_path):
    quiet = dict(record("01_a", "smoke"), seconds=5.0, load_average=2.5, cpu_count=2)
    busy = dict(record("01_a", "full"), seconds=65.0, load_average=3.5, cpu_count=2)
    assert results.format_time(quiet) == "5 s" and results.format_time(busy) == "1 min 5 s *"
    assert results.format_time(record("01_a", "smoke")) == "12 s"  # no load recorded: no mark
    results.write_record(busy, tmp_path)
    assert results.load_records(tmp_path)[0]["load_average"] == 3.5
