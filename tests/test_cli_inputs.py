"""@argument files of ``python -m efficiency.refresh`` (CLICHECK F2, F3): shell-like lines, comments and
blank lines; a file that is not text is one line and exit 2, not a traceback."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _refresh(tmp_path, *args):
    return subprocess.run([sys.executable, "-m", "efficiency.refresh", *args, "--list",
                           "--cache", str(tmp_path / "c.parquet")], cwd=ROOT, capture_output=True, text=True,
                          timeout=180)


def test_an_args_file_reads_like_a_shell_line(tmp_path):
    f = tmp_path / "sweep.args"
    f.write_text("# two resnets\n--models timm/resnet18.a1_in1k@224\n\n   'timm/resnet34.a1_in1k@224'   \n")
    out = _refresh(tmp_path, f"@{f}")
    assert out.returncode == 0, out.stderr
    assert "2 models selected" in out.stdout
    assert "timm/resnet18.a1_in1k@224" in out.stdout and "timm/resnet34.a1_in1k@224" in out.stdout
    assert not (tmp_path / "c.parquet").exists()


def test_an_args_file_that_is_not_text_is_one_line(tmp_path):
    f = tmp_path / "bad.args"
    f.write_bytes(b"\xff\xfe\x00garbage\n")
    out = _refresh(tmp_path, f"@{f}")
    assert out.returncode == 2
    assert out.stderr.strip() == f"error: @{f} is not UTF-8 text: one option or pattern per line (see --help)"


def test_an_unclosed_quote_names_the_line(tmp_path):
    f = tmp_path / "q.args"
    f.write_text("--models 'timm/resnet18*\n")
    out = _refresh(tmp_path, f"@{f}")
    assert out.returncode == 2 and "cannot be read" in out.stderr and "Traceback" not in out.stderr
