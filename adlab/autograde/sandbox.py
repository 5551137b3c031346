"""The sandbox a student's kernel runs in while it is graded: bubblewrap, prlimit, setpriv.

Nothing here is a sandbox of its own making. The kernel command is wrapped in
three Debian tools:

- ``prlimit`` (util-linux) caps the address space (2 GB), the CPU seconds, the
  size of any file written, open files and, as root, processes;
- ``bwrap`` (bubblewrap) gives the kernel its own mount, PID, IPC, UTS and
  network namespaces. It sees only read-only system folders (/usr and a few
  files of /etc), the Python installation and virtual environment, the adlab
  package, an empty /tmp, and its own work folder. The course folder (source/,
  release/, the gradebook, the keys, other submissions) and the instructor's
  home are not in its file system at all; it cannot see or signal any process
  outside, and has no network;
- ``setpriv`` (util-linux), when grading runs as root, drops the kernel to the
  unprivileged user ``nobody`` with no capabilities, so even the files it can
  see are read with an ordinary user's rights. Without root, bubblewrap runs
  the kernel in a user namespace as the grading user.

`check` says, with the fix, why grading cannot be isolated on this machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

NOBODY = 65534
ETC = ["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "fonts", "passwd", "group", "nsswitch.conf",
       "localtime", "alternatives", "mime.types", "ssl/certs", "hosts", "matplotlibrc"]


class SandboxUnavailable(RuntimeError):
    """Grading cannot isolate student code here; the message says how to fix it."""


@dataclass
class Limits:
    """What one graded notebook may use."""

    memory_bytes: int = 2 * 1024 ** 3      # address space of each process
    cell_seconds: float = 10.0             # wall clock per cell
    notebook_seconds: float = 120.0        # wall clock for the whole notebook
    cpu_seconds: int = 300                 # CPU time of the kernel process
    file_bytes: int = 50 * 1024 ** 2       # the largest file it may write
    processes: int = 256                   # as root: processes of the sandbox user


def kernel_python() -> str:
    """This environment's Python, by a path that exists inside the sandbox.

    The sandbox binds the environment at its real location; when it was reached through a
    symbolic link (deploy/add-users.sh links an instructor's ~/adlab/.venv to the hub's
    shared environment), the interpreter is named through the real folder, so that Python
    still finds the environment's pyvenv.cfg.
    """
    exe = Path(sys.executable)
    try:
        inside = exe.relative_to(sys.prefix)
    except ValueError:
        return str(exe)
    return str(Path(sys.prefix).resolve() / inside)


def _python_dirs() -> list[Path]:
    """Folders the kernel's Python needs: its installation, the venv and adlab."""
    import adlab

    dirs = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
            Path(adlab.__file__).resolve().parent}
    exe = Path(sys.executable)
    dirs.add(exe.resolve().parent.parent)
    return sorted(d for d in dirs if not str(d).startswith(("/usr/", "/etc/")) and str(d) != "/usr")


def _ancestors(paths) -> list[Path]:
    out = set()
    for p in paths:
        for a in Path(p).parents:
            if str(a) != "/":
                out.add(a)
    return sorted(out, key=lambda a: (len(a.parts), str(a)))


@dataclass
class Sandbox:
    """Builds the wrapped kernel command for one job.

    Attributes:
        work: the folder the kernel runs in (read-write; owned by the sandbox user).
        limits: the caps.
        as_root: drop to ``nobody`` with setpriv (default: when running as root).
    """

    work: Path
    limits: Limits = field(default_factory=Limits)
    as_root: bool = field(default_factory=lambda: os.geteuid() == 0)

    def uid(self) -> int:
        """The user the kernel runs as."""
        return NOBODY if self.as_root else os.geteuid()

    def prepare(self) -> None:
        """Make the work folder usable by the sandbox user."""
        self.work.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            for dirpath, dirnames, filenames in os.walk(self.work):
                os.chown(dirpath, NOBODY, NOBODY)
                for name in filenames:
                    os.chown(os.path.join(dirpath, name), NOBODY, NOBODY, follow_symlinks=False)

    def wrap(self, argv: list[str]) -> list[str]:
        """ARGV run inside the sandbox."""
        lim = self.limits
        cmd = [shutil.which("prlimit") or "prlimit",
               f"--as={lim.memory_bytes}", f"--cpu={lim.cpu_seconds}",
               f"--fsize={lim.file_bytes}", "--nofile=256", "--core=0"]
        if self.as_root:
            cmd.append(f"--nproc={lim.processes}")
        cmd += ["--", shutil.which("bwrap") or "bwrap"]
        cmd += ["--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
                "--size", str(100 * 1024 ** 2), "--perms", "1777", "--tmpfs", "/tmp"]
        for name in ("bin", "lib", "lib64", "sbin", "lib32"):
            p = Path("/") / name
            if p.is_symlink():
                cmd += ["--symlink", os.readlink(p), str(p)]
            elif p.is_dir():
                cmd += ["--ro-bind", str(p), str(p)]
        cmd += ["--perms", "0755", "--dir", "/etc"]
        for name in ETC:
            p = Path("/etc") / name
            if p.exists():
                cmd += ["--ro-bind", str(p), str(p)]
        # the folders above each bound one, readable by the sandbox user (bwrap
        # would make them 0700 as root)
        binds = [str(d) for d in _python_dirs()] + [str(self.work)]
        for a in _ancestors(binds):
            if str(a) not in binds and str(a) not in ("/usr", "/etc", "/tmp", "/proc", "/dev"):
                cmd += ["--perms", "0755", "--dir", str(a)]
        for d in _python_dirs():
            cmd += ["--ro-bind", str(d), str(d)]
        cmd += ["--bind", str(self.work), str(self.work), "--chdir", str(self.work),
                "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--new-session",
                "--setenv", "HOME", str(self.work),
                # ipykernel stops when its parent looks like init (PID 1), which bwrap's
                # reaper is inside the PID namespace; 1 turns that watch off
                "--setenv", "JPY_PARENT_PID", "1"]
        if self.as_root:
            cmd += ["--", shutil.which("setpriv") or "setpriv",
                    f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
        else:
            cmd += ["--unshare-user", "--cap-drop", "ALL"]
        return cmd + ["--"] + list(argv)


def check() -> None:
    """Raise SandboxUnavailable, naming the fix, when the sandbox cannot run here."""
    missing = [t for t in ("bwrap", "prlimit") + (("setpriv",) if os.geteuid() == 0 else ())
               if shutil.which(t) is None]
    if missing:
        raise SandboxUnavailable(
            f"grading isolates student code with bubblewrap and util-linux, but "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing: install them "
            f"(sudo apt-get install bubblewrap util-linux) and run again")
    probe = Path(os.environ.get("TMPDIR", "/tmp"))
    import tempfile

    with tempfile.TemporaryDirectory(prefix="adlab-probe-", dir=probe) as tmp:
        os.chmod(tmp, 0o711)
        box = Sandbox(Path(tmp) / "work")
        box.prepare()
        cmd = box.wrap([kernel_python(), "-c", "import adlab, os; print(os.getuid())"])
        res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             timeout=60)
        if res.returncode != 0 or res.stdout.strip() != str(box.uid()):
            hint = ("as root, or allow unprivileged user namespaces (sysctl "
                    "kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 also "
                    "kernel.apparmor_restrict_unprivileged_userns=0)")
            raise SandboxUnavailable(
                f"bubblewrap could not start a sandboxed Python here "
                f"({(res.stderr.strip().splitlines() or ['no output'])[-1]}); run grading "
                f"{hint}")
