import argparse

from engine.cli import main
from engine.commands import demo


def test_demo_without_a_shipped_model_says_so_and_exits_0(monkeypatch, capsys):
    from engine.pipelines import estimate

    monkeypatch.setattr(estimate, "embedded_model_available", lambda task: False)
    assert main(["demo"]) == 0
    assert "No trained embedded SVBRDF model" in capsys.readouterr().out


def test_demo_runs_estimate_on_the_sample_at_its_working_size(monkeypatch, capsys, tmp_path):
    from engine.commands import estimate as estimate_command
    from engine.pipelines import estimate

    seen = {}
    monkeypatch.setattr(estimate, "embedded_model_available", lambda task: True)
    monkeypatch.setattr(estimate_command, "run", lambda args: seen.setdefault("args", args) and 0)
    assert main(["demo", "--out", str(tmp_path)]) == 0
    args = seen["args"]
    assert isinstance(args, argparse.Namespace)
    assert args.inputs == [str(demo.sample_photo())] and args.max_size == demo.DEMO_SIZE
    assert args.task == "svbrdf" and args.out == tmp_path
    assert f"{demo.DEMO_SIZE} px" in capsys.readouterr().out
