#!/usr/bin/env bash
# Adds an EF Core migration to SweetsStore.Data/Migrations: scripts/new-migration.sh <Name>
# The Design package is referenced only for this (EfDesign=true); see SweetsStore.Data/SweetsStore.Data.csproj.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/new-migration.sh <MigrationName>}
dotnet tool restore >/dev/null
export EfDesign=true
dotnet restore SweetsStore.Data >/dev/null
dotnet ef migrations add "$name" --project SweetsStore.Data --startup-project SweetsStore.Data --output-dir Migrations
# Leave the normal (design-free) restore state behind for the next plain build.
unset EfDesign
dotnet restore SweetsStore.Data >/dev/null
