#!/usr/bin/env bash
# Adds an EF Core migration to src/SweetsStore.Data/Migrations: scripts/new-migration.sh <Name>
# The Design package is referenced only for this (EfDesign=true); see src/SweetsStore.Data/SweetsStore.Data.csproj.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/new-migration.sh <MigrationName>}
dotnet tool restore >/dev/null
export EfDesign=true
dotnet restore src/SweetsStore.Data >/dev/null
dotnet ef migrations add "$name" --project src/SweetsStore.Data --startup-project src/SweetsStore.Data --output-dir Migrations
# Leave the normal (design-free) restore state behind for the next plain build.
unset EfDesign
dotnet restore src/SweetsStore.Data >/dev/null
