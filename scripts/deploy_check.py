#!/usr/bin/env python3
"""Checks the Docker deploy files without a Docker engine (used by scripts/verify-deploy.sh).

  deploy_check.py static ROOT        docker-compose.yml parses and references only what exists; every COPY
                                      source of the Dockerfile exists and is not dropped by .dockerignore
  deploy_check.py dry-build ROOT OUT  follows the Dockerfile by hand: copies the build context (after
                                      .dockerignore) into OUT/<stage>/ per COPY, runs each RUN there with bash,
                                      and prints the final stage as JSON (dir, env, user, entrypoint, healthcheck)

The dry build uses the local .NET SDK instead of the sdk image and the local runtime instead of the aspnet
image, so it proves the file set and the commands, not the base images.
"""
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

IMAGE_DEFAULT_ENV = {"APP_UID": "1654"}  # set by mcr.microsoft.com/dotnet/aspnet images (user `app`)


def fail(errors):
    for e in errors:
        print(f"  FAIL {e}")
    sys.exit(1)


# ---- .dockerignore (the rules of moby/patternmatcher: last match wins, `!` re-includes, a match on a
# folder excludes what is inside it, `**` spans any number of folders) ----

def load_dockerignore(root):
    patterns = []
    path = os.path.join(root, ".dockerignore")
    if not os.path.exists(path):
        return patterns
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:].strip()
        line = os.path.normpath(line.lstrip("/"))
        patterns.append((negate, re.compile(glob_to_regex(line))))
    return patterns


def glob_to_regex(pattern):
    out, i = "^", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        out += {"*": "[^/]*", "?": "[^/]"}.get(c, re.escape(c))
        i += 1
    return out + "$"


def ignored(relpath, patterns):
    parts = relpath.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    result = False
    for negate, rx in patterns:
        if any(rx.match(c) for c in candidates):
            result = not negate
    return result


# ---- Dockerfile parsing ----

def dockerfile_instructions(path):
    lines, current = [], ""
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if not current and line.lstrip().startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        if current.strip():
            lines.append(current.strip())
        current = ""
    result = []
    for line in lines:
        word, _, rest = line.partition(" ")
        result.append((word.upper(), rest.strip()))
    return result


def split_flags(args):
    flags, rest = {}, args
    while rest.startswith("--"):
        token, _, rest = rest.partition(" ")
        key, _, value = token[2:].partition("=")
        flags[key] = value
        rest = rest.strip()
    return flags, rest


def exec_form(args):
    if args.startswith("["):
        return json.loads(args)
    return ["/bin/sh", "-c", args]


def copy_args(args):
    flags, rest = split_flags(args)
    parts = json.loads(rest) if rest.startswith("[") else shlex.split(rest)
    return flags, parts[:-1], parts[-1]


def stages(instructions):
    result, current = [], None
    for word, args in instructions:
        if word == "FROM":
            m = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", args, re.IGNORECASE)
            current = {"image": m.group(1), "name": m.group(2) or str(len(result)), "steps": []}
            result.append(current)
        elif current is not None:
            current["steps"].append((word, args))
    return result


# ---- static checks ----

def check_static(root):
    errors, notes = [], []
    patterns = load_dockerignore(root)

    dockerfile = os.path.join(root, "Dockerfile")
    if not os.path.exists(dockerfile):
        fail(["Dockerfile missing"])
    parsed = stages(dockerfile_instructions(dockerfile))
    names = [s["name"] for s in parsed]
    for stage in parsed:
        for word, args in stage["steps"]:
            if word not in ("COPY", "ADD"):
                continue
            flags, sources, _ = copy_args(args)
            if "from" in flags:
                if flags["from"] not in names:
                    errors.append(f"Dockerfile: COPY --from={flags['from']} names no stage ({', '.join(names)})")
                continue
            for src in sources:
                matches = [m for m in globbed(root, src)]
                if not matches:
                    errors.append(f"Dockerfile: COPY source {src} does not exist")
                    continue
                kept = [m for m in matches if not ignored(m, patterns)]
                if not kept:
                    errors.append(f"Dockerfile: COPY source {src} is excluded by .dockerignore")
                else:
                    notes.append(f"COPY source {src} exists and is in the build context")
    final = parsed[-1]
    words = dict((w, a) for w, a in final["steps"])
    for required in ("ENTRYPOINT", "USER", "EXPOSE", "HEALTHCHECK"):
        if required not in words:
            errors.append(f"Dockerfile: final stage has no {required}")
    if words.get("USER", "").strip() in ("root", "0"):
        errors.append("Dockerfile: final stage runs as root")
    if "8080" not in words.get("EXPOSE", ""):
        errors.append("Dockerfile: final stage does not EXPOSE 8080")
    chain = " -> ".join("%s (%s)" % (s["name"], s["image"]) for s in parsed)
    notes.append(f"Dockerfile stages: {chain}")

    compose_path = os.path.join(root, "docker-compose.yml")
    try:
        import yaml
    except ImportError:
        fail(["python3 has no yaml module (Debian: apt-get install python3-yaml)"])
    try:
        compose = yaml.safe_load(interpolate(open(compose_path, encoding="utf-8").read()))
    except Exception as e:  # noqa: BLE001 - any parse error is the finding
        fail([f"docker-compose.yml does not parse as YAML: {e}"])
    notes.append("docker-compose.yml parses as YAML")
    services = compose.get("services") or {}
    declared_volumes = set((compose.get("volumes") or {}).keys())
    for name, svc in services.items():
        build = svc.get("build")
        if build is not None:
            context = build if isinstance(build, str) else build.get("context", ".")
            ctx = os.path.normpath(os.path.join(root, context))
            if not os.path.isdir(ctx):
                errors.append(f"compose {name}: build context {context} does not exist")
            dockerfile_name = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            if not os.path.isfile(os.path.join(ctx, dockerfile_name)):
                errors.append(f"compose {name}: dockerfile {dockerfile_name} does not exist")
            else:
                notes.append(f"compose {name}: builds {os.path.relpath(os.path.join(ctx, dockerfile_name), root)}")
        elif "image" not in svc:
            errors.append(f"compose {name}: neither image nor build")
        env_files = svc.get("env_file") or []
        for entry in [env_files] if isinstance(env_files, (str, dict)) else env_files:
            path = entry if isinstance(entry, str) else entry.get("path")
            required = True if isinstance(entry, str) else entry.get("required", True)
            if required and not os.path.exists(os.path.join(root, path)):
                errors.append(f"compose {name}: env_file {path} does not exist")
        for volume in svc.get("volumes") or []:
            source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source")
            if source is None:
                continue
            if source.startswith((".", "/", "~")):
                if not os.path.exists(os.path.join(root, source)):
                    errors.append(f"compose {name}: bind mount {source} does not exist")
            elif source not in declared_volumes:
                errors.append(f"compose {name}: named volume {source} is not declared under volumes:")
            else:
                notes.append(f"compose {name}: named volume {source} is declared")
        depends = svc.get("depends_on") or {}
        for dep, cond in (depends.items() if isinstance(depends, dict) else ((d, {}) for d in depends)):
            if dep not in services:
                errors.append(f"compose {name}: depends_on {dep}, which is no service")
            elif cond.get("condition") == "service_healthy" and "healthcheck" not in services[dep]:
                errors.append(f"compose {name}: waits for {dep} to be healthy, but {dep} has no healthcheck")
            else:
                notes.append(f"compose {name}: depends_on {dep} ({cond.get('condition', 'started')})")
    db = services.get("db", {})
    if not str(db.get("image", "")).startswith("postgres:15"):
        errors.append("compose db: image is not postgres:15")
    if "pg_isready" not in json.dumps(db.get("healthcheck", {})):
        errors.append("compose db: healthcheck does not use pg_isready")
    api = services.get("api", {})
    cs = str((api.get("environment") or {}).get("ConnectionStrings__Postgres", ""))
    if "Host=db" not in cs:
        errors.append("compose api: connection string does not point at the db service")
    if not any(str(p).endswith("8080:8080") for p in api.get("ports", [])):
        errors.append("compose api: port 8080 is not published as 8080")
    if "restart" not in api or "restart" not in db:
        errors.append("compose: a service has no restart policy")

    check_workflows(root, yaml, errors, notes)

    for n in notes:
        print(f"  ok   {n}")
    if errors:
        fail(errors)


def check_workflows(root, yaml, errors, notes):
    """Each workflow parses, each job has runs-on and steps, each run: block passes `bash -n`, and the
    repository scripts it calls exist."""
    folder = os.path.join(root, ".github", "workflows")
    if not os.path.isdir(folder):
        return
    for name in sorted(os.listdir(folder)):
        if not name.endswith((".yml", ".yaml")):
            continue
        rel = f".github/workflows/{name}"
        try:
            workflow = yaml.safe_load(open(os.path.join(folder, name), encoding="utf-8"))
        except Exception as e:  # noqa: BLE001
            errors.append(f"{rel} does not parse as YAML: {e}")
            continue
        # YAML 1.1 reads the key `on` as True.
        if "on" not in workflow and True not in workflow:
            errors.append(f"{rel}: no `on:` triggers")
        for job_name, job in (workflow.get("jobs") or {}).items():
            if "runs-on" not in job or not job.get("steps"):
                errors.append(f"{rel}: job {job_name} lacks runs-on or steps")
                continue
            for step in job["steps"]:
                script = step.get("run")
                if script is None:
                    continue
                check = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
                if check.returncode != 0:
                    errors.append(f"{rel}: job {job_name}, step '{step.get('name', script[:30])}': bash -n: {check.stderr.strip()}")
                for called in re.findall(r"(?:^|\s)(\./[\w./-]+|scripts/[\w./-]+)", script):
                    if not os.path.exists(os.path.join(root, called)):
                        errors.append(f"{rel}: job {job_name} calls {called}, which does not exist")
        notes.append(f"{rel}: parses; jobs {', '.join(workflow.get('jobs') or {})}; every run: block passes bash -n; called scripts exist")


def interpolate(text):
    """Compose's variable substitution with the environment as it is: ${VAR:-default}, ${VAR-default}, ${VAR}, $$."""
    def value(m):
        if m.group(0) == "$$":
            return "$"
        name, op, default = m.group(1), m.group(2), m.group(3) or ""
        current = os.environ.get(name)
        if op == ":-":
            return current if current else default
        if op == "-":
            return current if current is not None else default
        return current or ""
    return re.sub(r"\$\$|\$\{(\w+)(?:(:?-)([^}]*))?\}", value, text)


def globbed(root, src):
    src = src.rstrip("/") or "."
    if any(ch in src for ch in "*?["):
        result = []
        for dirpath, dirnames, filenames in os.walk(root):
            for entry in dirnames + filenames:
                rel = os.path.relpath(os.path.join(dirpath, entry), root)
                if fnmatch.fnmatch(rel, src):
                    result.append(rel)
        return result
    return [os.path.normpath(src)] if os.path.exists(os.path.join(root, src)) else []


# ---- dry build ----

def copy_into(src_abs, dest_abs, dest_is_dir, rel_base, patterns):
    """Copies a file or a folder's contents like Docker's COPY, skipping what .dockerignore drops."""
    if os.path.isdir(src_abs):
        for dirpath, _, filenames in os.walk(src_abs):
            for f in filenames:
                full = os.path.join(dirpath, f)
                rel = os.path.relpath(full, src_abs)
                if patterns is not None and ignored(os.path.relpath(full, rel_base), patterns):
                    continue
                target = os.path.join(dest_abs, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(full, target)
    else:
        target = os.path.join(dest_abs, os.path.basename(src_abs)) if dest_is_dir else dest_abs
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(src_abs, target)


def dry_build(root, out):
    patterns = load_dockerignore(root)
    parsed = stages(dockerfile_instructions(os.path.join(root, "Dockerfile")))
    roots = {}
    final = None
    for stage in parsed:
        stage_root = os.path.join(out, stage["name"])
        os.makedirs(stage_root, exist_ok=True)
        roots[stage["name"]] = stage_root
        workdir, env, user = "/", dict(IMAGE_DEFAULT_ENV), "root"
        entrypoint, health = None, None
        for word, args in stage["steps"]:
            if word == "WORKDIR":
                workdir = os.path.join(workdir, args)
                os.makedirs(stage_root + workdir, exist_ok=True)
            elif word == "ARG":
                key, _, value = args.partition("=")
                env.setdefault(key.strip(), os.environ.get(key.strip(), shlex.split(value)[0] if value.strip() else ""))
            elif word == "ENV":
                for token in shlex.split(args):
                    key, _, value = token.partition("=")
                    env[key] = value
            elif word in ("COPY", "ADD"):
                flags, sources, dest = copy_args(args)
                dest_abs = stage_root + os.path.join(workdir, dest)
                dest_is_dir = dest.endswith("/") or dest in (".", "./") or len(sources) > 1
                for src in sources:
                    if "from" in flags:
                        src_abs = roots[flags["from"]] + src
                        copy_into(src_abs, dest_abs, dest_is_dir, src_abs, None)
                    else:
                        for rel in globbed(root, src):
                            if ignored(rel, patterns):
                                continue
                            copy_into(os.path.join(root, rel), dest_abs, dest_is_dir, root, patterns)
                print(f"  COPY {args}", file=sys.stderr)
            elif word == "RUN":
                command = exec_form(args)
                print(f"  RUN  {args}   (in {stage['name']}:{workdir})", file=sys.stderr)
                result = subprocess.run(command, cwd=stage_root + workdir, env={**os.environ, **env}, stdout=sys.stderr)
                if result.returncode != 0:
                    sys.exit(f"RUN failed ({result.returncode}): {args}")
            elif word == "USER":
                user = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), args)
            elif word == "ENTRYPOINT":
                entrypoint = exec_form(args)
            elif word == "HEALTHCHECK":
                _, rest = split_flags(args)
                health = exec_form(rest[4:].strip()) if rest.upper().startswith("CMD") else None
        final = {"stage": stage["name"], "dir": stage_root + workdir, "env": env, "user": user,
                 "entrypoint": entrypoint, "healthcheck": health}
    json.dump(final, sys.stdout)
    print()


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "static":
        check_static(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "dry-build":
        dry_build(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
