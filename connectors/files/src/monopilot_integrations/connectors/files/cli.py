"""``monopilot-integrations export KIND`` and ``monopilot-integrations import products FILE``.

The export goes through the job engine like one requested over HTTP (it is logged and
recorded the same way), run in this process; the file is then copied to ``--output``. A
progress bar (rich) shows on a terminal; plain lines otherwise, for logs and cron.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import uuid
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monopilot_integrations.core.errors import ValidationError

if TYPE_CHECKING:
    from monopilot_integrations.connectors.files.context import FilesContext
    from monopilot_integrations.connectors.files.imports.validate import ImportReport

# Every command line builds its parser with these arguments: the modules that do the work
# are imported by the command that runs, not by ``--help`` or another command.
KIND_NAMES = ("inventory", "orders", "products")


def configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=KIND_NAMES, help="what to export")
    parser.add_argument("--org", required=True, help="organisation id or code")
    parser.add_argument("--format", default="csv", help="csv, json, xml or a plugin's format")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="file to write (default: the export's name here; - for stdout)",
    )
    parser.add_argument("--columns", default=None, help="comma-separated, in the order wanted")
    parser.add_argument("--delimiter", default=None, help="CSV field separator (, ; tab |)")
    parser.add_argument("--bom", action="store_true", help="CSV: start with a UTF-8 BOM")
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a filter of the kind (repeatable), e.g. active=true, "
        "order_type=purchase, date_from=2026-01-01, location=MAIN",
    )


def configure_import(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kind", choices=["products"], help="what to import")
    parser.add_argument("file", type=Path, help="a CSV or JSON file")
    parser.add_argument("--org", required=True, help="organisation id or code")
    parser.add_argument(
        "--validate-only", action="store_true", help="check the file and report; write nothing"
    )
    parser.add_argument(
        "--format",
        choices=["csv", "json"],
        default=None,
        help="default: from the file name or content",
    )
    parser.add_argument("--delimiter", default=None, help="CSV field separator (default: detected)")


async def find_org(kernel: Any, value: str) -> uuid.UUID | None:
    try:
        found = await kernel.domain.get_organization(uuid.UUID(value))
    except ValueError:
        found = None
    if found is None:
        found = await kernel.domain.find_organization_by_code(value)
    return found.id if found is not None else None


def _progress(total: int | None, what: str) -> Any:
    """A rich progress bar on a terminal, else ``None`` (plain output)."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return (
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        ),
        what,
        total,
    )


def _export_request(kind: Any, args: argparse.Namespace) -> Any:
    from monopilot_integrations.connectors.files.export.models import (
        InventoryExportRequest,
        OrderExportRequest,
        ProductExportRequest,
    )

    model = {
        "products": ProductExportRequest,
        "orders": OrderExportRequest,
        "inventory": InventoryExportRequest,
    }[kind.name]
    filters: dict[str, str] = {}
    for item in args.filter:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValidationError(f"--filter {item!r}: write NAME=VALUE")
        filters[name.strip()] = value.strip()
    options: dict[str, Any] = {"bom": args.bom}
    if args.delimiter:
        options["delimiter"] = "\t" if args.delimiter in ("tab", "\\t") else args.delimiter
    data: dict[str, Any] = {"format": args.format, "filters": filters, "options": options}
    if args.columns:
        data["columns"] = [c.strip() for c in args.columns.split(",") if c.strip()]
    try:
        return model.model_validate(data)
    except Exception as exc:  # pydantic's ValidationError: every problem, readable
        raise ValidationError(f"the export request is not valid: {exc}") from None


async def run_export(args: argparse.Namespace) -> int:
    from monopilot_integrations.connectors.files.context import FilesContext
    from monopilot_integrations.connectors.files.export.kinds import KINDS
    from monopilot_integrations.connectors.files.export.service import create_export
    from monopilot_integrations.core.kernel import Kernel

    kernel = Kernel(args.settings, plugins=args.registry.plugins)
    try:
        org_id = await find_org(kernel, args.org)
        if org_id is None:
            print(f"error: no organisation {args.org!r} (an id or a code)", file=sys.stderr)
            return 2
        ctx = FilesContext.of(kernel)
        kind = KINDS[args.kind]
        out = await create_export(ctx, org_id, kind, _export_request(kind, args))
        assert out.id is not None
        row = await _run_with_progress(kernel, ctx, org_id, out.id)
    finally:
        await kernel.close()
    if row.status != "done" or row.path is None:
        print(f"error: the export failed: {row.error}", file=sys.stderr)
        return 1
    source = ctx.export_path(row.path)
    if args.output is not None and str(args.output) == "-":
        with source.open("rb") as data:
            shutil.copyfileobj(data, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        target = args.output or Path(row.file_name)
        shutil.copyfile(source, target)
        print(
            f"{row.rows_written} {kind.name} rows written to {target} "
            f"({row.size_bytes} bytes, {row.format})",
            file=sys.stderr,
        )
    return 0


async def _run_with_progress(
    kernel: Any, ctx: FilesContext, org_id: uuid.UUID, export_id: uuid.UUID
) -> Any:
    from monopilot_integrations.connectors.files.export.service import find_export

    async def load() -> Any:
        async with ctx.runtime.database.session(org_id) as session:
            return await find_export(session, org_id, export_id)

    row = await load()
    bar = _progress(None, "export")
    runner = asyncio.create_task(kernel.run_job(org_id, row.job_id))
    if bar is None:
        await runner
        return await load()
    progress, _, _ = bar
    with progress:
        task = progress.add_task(f"exporting {row.kind}", total=None)
        while not runner.done():
            await asyncio.wait({runner}, timeout=0.2)
            current = await load()
            progress.update(task, total=current.rows_total, completed=current.rows_written)
        await runner
        row = await load()
        progress.update(task, total=row.rows_total, completed=row.rows_written)
    return row


async def run_import(args: argparse.Namespace) -> int:
    from monopilot_integrations.connectors.files.context import FilesContext
    from monopilot_integrations.connectors.files.imports.execute import ImportRejected, execute
    from monopilot_integrations.connectors.files.imports.problems import FileProblem
    from monopilot_integrations.connectors.files.imports.reader import count_rows
    from monopilot_integrations.connectors.files.imports.upload import from_path
    from monopilot_integrations.connectors.files.imports.validate import validate
    from monopilot_integrations.core.kernel import Kernel

    kernel = Kernel(args.settings, plugins=args.registry.plugins)
    try:
        org_id = await find_org(kernel, args.org)
        if org_id is None:
            print(f"error: no organisation {args.org!r} (an id or a code)", file=sys.stderr)
            return 2
        ctx = FilesContext.of(kernel)
        try:
            upload = from_path(args.file, ctx.settings.max_import_bytes, args.format)
            total = count_rows(upload.path, upload.format)
            bar = _progress(total, "validate")
            manager: AbstractContextManager[Any] = bar[0] if bar else nullcontext()
            with manager:
                on_row = None
                if bar is not None:
                    task = bar[0].add_task("validating", total=total)
                    on_row = lambda done: bar[0].update(task, completed=done)  # noqa: E731
                report = await validate(
                    kernel.domain,
                    org_id,
                    upload,
                    max_errors=ctx.settings.max_listed_errors,
                    delimiter=args.delimiter,
                    on_row=on_row,
                )
            if report.errors_total or args.validate_only:
                _print_report(report, "would be " if not report.errors_total else "")
                return 1 if report.errors_total else 0
            done = await execute(ctx, org_id, upload, delimiter=args.delimiter)
        except FileProblem as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            for error in exc.errors[:50]:
                print(f"  {_where(error)}: {error['message']}", file=sys.stderr)
            return 2
        except ImportRejected as rejected:
            _print_report(rejected.report, "")
            return 1
        print(
            f"imported {done.rows} rows: {done.to_create} created, {done.to_update} "
            f"updated, {done.unchanged} unchanged"
        )
        return 0
    finally:
        await kernel.close()


def _where(error: Any) -> str:
    parts = []
    if error.get("row") is not None:
        parts.append(f"row {error['row']}")
    if error.get("column"):
        parts.append(str(error["column"]))
    if error.get("value") is not None:
        parts.append(repr(error["value"]))
    return ", ".join(parts) or "file"


def _print_report(report: ImportReport, would: str) -> None:
    print(
        f"{report.rows} rows: {report.valid} valid, {report.invalid} with errors; "
        f"{report.to_create} {would}created, {report.to_update} {would}updated, "
        f"{report.unchanged} unchanged"
    )
    if report.errors_total:
        print(f"{report.errors_total} errors (nothing was written):", file=sys.stderr)
        for error in report.errors:
            print(f"  {_where(error)}: {error['message']}", file=sys.stderr)
        if report.errors_total > len(report.errors):
            print(f"  ... and {report.errors_total - len(report.errors)} more", file=sys.stderr)
