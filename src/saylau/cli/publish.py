"""``saylau publish``: the public site as static files; ``saylau verify --manifest``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from saylau.cli import trust
from saylau.cli._options import EXISTING_FILE, in_file_option, key_option
from saylau.cli._table import plural


@click.command("publish", short_help="Write the public site as signed static files.")
@click.argument("db")
@click.argument("out", type=click.Path(path_type=Path))
@key_option("Secret key (from saylau keygen) that signs manifest.json.", required=False)
@click.option("--watch", is_flag=True, help="Republish after every change to the store.")
@click.option("--full", is_flag=True, help="Render every file again (default: only what changed).")
@click.option(
    "--to",
    "to",
    metavar="s3://BUCKET/PREFIX",
    default=None,
    help="Also upload what changed to this S3 bucket and prefix (needs saylau[s3]).",
)
@click.option(
    "--endpoint-url",
    default=None,
    metavar="URL",
    help="S3-compatible endpoint for --to (default: boto3's, e.g. AWS_ENDPOINT_URL).",
)
def publish(
    db: str,
    out: Path,
    key_path: Path | None,
    watch: bool,
    full: bool,
    to: str | None,
    endpoint_url: str | None,
) -> None:
    """Write every public page (en, ru, kk), API document and asset of the store DB
    under OUT (a link switched atomically to each new snapshot).  After the first
    run only what the store's changes touch is rendered and rewritten."""
    from saylau.cli._db import open_store
    from saylau.web import publish as publishing

    open_store(db).close()
    if to is not None:
        from saylau.web.publish_s3 import parse_target

        parse_target(to)  # a bad address is refused before anything is rendered

    def said(report: publishing.Report) -> None:
        how = "everything rendered" if report.full else f"{report.rendered:,} rendered"
        click.echo(
            f"published {plural(report.files, 'file')} to {out} ({len(report.written):,} "
            f"rewritten, {len(report.removed):,} removed; {how}) in {report.seconds:.1f} s",
            err=True,
        )
        if report.uploaded is not None:
            click.echo(
                f"uploaded {plural(len(report.uploaded), 'file')} to {to}"
                f" ({len(report.deleted or []):,} deleted)",
                err=True,
            )
        for line in report.broken:
            click.echo(f"warning: link answered {line}", err=True)

    def results(report: publishing.Report) -> None:
        # The first of two snapshots: the results are out, the slow documents follow.
        if report.pending:
            click.echo(
                f"results published to {out} ({len(report.written):,} rewritten) in "
                f"{report.seconds:.1f} s; {plural(len(report.pending), 'document')} to follow",
                err=True,
            )

    if watch:
        publishing.watch(
            db,
            out,
            key_path=key_path,
            on_publish=said,
            on_switch=results,
            to=to,
            endpoint_url=endpoint_url,
        )
    else:
        said(
            publishing.publish(
                db,
                out,
                key_path=key_path,
                full=full,
                to=to,
                endpoint_url=endpoint_url,
                on_switch=results,
            )
        )


@click.command("verify", short_help="Check a signed snapshot or a published mirror.")
@click.argument("snapshot", required=False, type=EXISTING_FILE)
@click.argument("signature", required=False, type=EXISTING_FILE)
@key_option("Public key file of the signer (.pub).")
@in_file_option("--manifest", "A published mirror's manifest.json: check every file beside it.")
@click.pass_context
def verify(
    ctx: click.Context,
    snapshot: Path | None,
    signature: Path | None,
    key_path: Path,
    manifest: Path | None,
) -> None:
    """Check a results snapshot against its signature, or (--manifest) every file of
    a downloaded mirror against its signed manifest; name every file that differs."""
    if manifest is None:
        if snapshot is None or signature is None:
            raise click.UsageError("give SNAPSHOT SIGNATURE, or --manifest")
        ctx.invoke(trust.verify, snapshot=snapshot, signature=signature, key_path=key_path)
        return
    from saylau.web.publish import verify_mirror

    problems = verify_mirror(manifest, key_path)
    for problem in problems:
        click.echo(f"FAILED: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"OK: every file of {manifest.parent} matches {manifest.name}, signed by {key_path}")


COMMANDS: list[click.Command] = [publish, verify]
