#!/usr/bin/env bash
# Adds an EF Core migration to SweetsStore.Data/Migrations: scripts/new-migration.sh <Name>
# dotnet-ef is pinned in dotnet-tools.json; SweetsStore.Data references Microsoft.EntityFrameworkCore.Design itself.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/new-migration.sh <MigrationName>}
dotnet tool restore >/dev/null
dotnet ef migrations add "$name" --project SweetsStore.Data --startup-project SweetsStore.Data --output-dir Migrations
