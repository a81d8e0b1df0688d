# syntax=docker/dockerfile:1
# SweetsStore API image: build and publish with the .NET 10 SDK, run on the ASP.NET Core 10 runtime as a
# non-root user. `docker compose up` (docker-compose.yml) runs it next to PostgreSQL 15.
#   docker build --build-arg SOURCE_REVISION=$(git rev-parse HEAD) -t sweetsstore-api .
#   docker run -e ConnectionStrings__Postgres='Host=...;Database=sweetsstore;Username=...;Password=...' -p 8080:8080 sweetsstore-api

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project files only, so the package layer is reused until a dependency changes.
COPY Directory.Build.props Directory.Packages.props ./
COPY SweetsStore.Domain/SweetsStore.Domain.csproj SweetsStore.Domain/
COPY SweetsStore.Data/SweetsStore.Data.csproj SweetsStore.Data/
COPY SweetsStore.Api/SweetsStore.Api.csproj SweetsStore.Api/
RUN dotnet restore SweetsStore.Api/SweetsStore.Api.csproj
COPY .editorconfig ./
COPY SweetsStore.Domain/ SweetsStore.Domain/
COPY SweetsStore.Data/ SweetsStore.Data/
COPY SweetsStore.Api/ SweetsStore.Api/
# The API reference, built into the assembly and served at /swagger/api.md.
COPY docs/api.md docs/
# Hangfire is LGPL-3.0: its notice and licence texts go into the image next to the assemblies (THIRD-PARTY-NOTICES.md).
COPY THIRD-PARTY-NOTICES.md ./
COPY licenses/ licenses/
# The commit goes into the version that /health/live reports ("1.0.0+<sha>"); the build context has no .git.
ARG SOURCE_REVISION=""
RUN dotnet publish SweetsStore.Api/SweetsStore.Api.csproj -c Release --no-restore -o out /p:UseAppHost=false \
    "-p:SourceRevisionId=${SOURCE_REVISION}"

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /src/out ./
ENV ASPNETCORE_URLS=http://+:8080
# glibc's malloc: two arenas, not 8 per core (less resident memory in a long-running process; docs/decisions/0016).
ENV MALLOC_ARENA_MAX=2
EXPOSE 8080
# The base image's unprivileged `app` user (uid 1654); the app writes nothing to disk.
USER $APP_UID
# No curl in the runtime image: bash's /dev/tcp sends the request. Ready = database reachable and migrated.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# The ASP.NET Core host stops gracefully on SIGTERM (docker stop): in-flight requests finish first.
ENTRYPOINT ["dotnet", "SweetsStore.Api.dll"]
