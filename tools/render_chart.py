"""Renders the Helm chart (default and production values) to plain manifests for scanners such as
checkov: `uv run python tools/render_chart.py build/rendered`. Uses Helm's own library (the
helm-python-sdk test dependency): no helm binary, no cluster."""

from __future__ import annotations

import sys
from pathlib import Path

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "deploy" / "k8s" / "charts" / "kite"
VALUES = {"default": {}, "production": ROOT / "deploy" / "k8s" / "values-production.yaml"}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with helm.Chart.load(CHART) as chart:
        for name, source in VALUES.items():
            values = yaml.safe_load(source.read_text("utf-8")) if isinstance(source, Path) else source
            manifests = chart.render(values, name="kite", namespace="kite", is_install=True)
            docs = [text for path, text in sorted(manifests.items()) if path.endswith((".yaml", ".yml"))]
            (out / f"{name}.yaml").write_text("\n---\n".join(docs), "utf-8")
            print(f"{out / name}.yaml: {len(docs)} template(s)")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/rendered"))
