# syntax=docker/dockerfile:1
# The gateway and the sample functions as one image, running as a non-root user.
#
#   docker build -t gateway .
#   docker run --rm -p 9000:9000 -v gateway-data:/data gateway [extra gateway args, e.g. --quiet]
#   AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws lambda invoke --endpoint-url http://127.0.0.1:9000 \
#     --region us-east-1 --function-name echo --payload '{}' --cli-binary-format raw-in-base64-out out.json
#
# Why noble in both stages: a native-AOT binary links against the glibc of the machine that built it and
# needs at least that glibc where it runs. global.json pins SDK 10.0.401, .NET 10 ships only Ubuntu 24.04
# (noble) SDK images (glibc 2.39), and the binaries target net10.0, so runtime-deps:10.0-noble matches both.
# The SDK tag is pinned to global.json's version: its rollForward (latestPatch) rejects other bands.

ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0-noble
# Node 20 for the nodejs* managed runtimes: Ubuntu noble's nodejs is 18, and the AWS SDK v3 clients need 20. The
# official image's node binary needs glibc 2.28, so it runs on noble.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: publish the native binaries -------------------------------------------------------------
FROM ${SDK_IMAGE} AS build
# The ILCompiler links with clang and needs zlib's headers; clang also compiles src/Gateway/Native/gateway_spawn.c,
# the C shim that starts workers (linked into the gateway, see GatewaySpawn.targets).
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# Restore from the project files alone: this layer stays cached until a project or build file changes.
# (A new project referenced by these must be added here.)
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Gateway/Gateway.csproj src/Gateway/
COPY src/Gateway/Native/GatewaySpawn.targets src/Gateway/Native/
COPY src/Gateway.EventStore/Gateway.EventStore.csproj src/Gateway.EventStore/
COPY src/Gateway.Cluster/Gateway.Cluster.csproj src/Gateway.Cluster/
COPY src/Gateway.Runtime/Gateway.Runtime.csproj src/Gateway.Runtime/
COPY src/Functions/Samples/Samples.csproj src/Functions/Samples/
RUN dotnet restore src/Gateway/Gateway.csproj -r linux-x64 \
 && dotnet restore src/Functions/Samples/Samples.csproj -r linux-x64

# Then the sources (.dockerignore keeps the host's bin/ and obj/ out) and the publish, laid out as in
# the repo (artifacts/gateway, artifacts/samples) so samples/functions.json resolves unchanged.
COPY src/ src/
RUN dotnet publish src/Gateway/Gateway.csproj -c Release -r linux-x64 --no-restore -o /out/artifacts/gateway \
 && dotnet publish src/Functions/Samples/Samples.csproj -c Release -r linux-x64 --no-restore -o /out/artifacts/samples \
 && rm -f /out/artifacts/*/*.dbg /out/artifacts/*/*.pdb \
 && test -f /out/artifacts/gateway/libe_sqlite3.so   # the event store's SQLite, loaded beside the binary

# ---- node-runtime: the Node.js managed runtime's client and SDK (scripts/build-node-runtime.sh) ---------
# aws-lambda-ric compiles a native addon (aws-lambda-cpp + curl) on install: Node, npm and a C++ toolchain here, only
# the result (runtimes/nodejs: bootstrap, index.mjs, rapid-client.node, node_modules) goes to the final image.
FROM ${NODE_IMAGE} AS node-runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends autoconf automake libtool cmake g++ make python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/build-node-ric.sh scripts/build-node-runtime.sh scripts/
COPY src/Runtimes/ src/Runtimes/
RUN mkdir -p artifacts/gateway/runtimes \
 && cp -a src/Runtimes/. artifacts/gateway/runtimes/ \
 && rm -rf artifacts/gateway/runtimes/python/tests \
 && scripts/build-node-runtime.sh

# ---- runtime ------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
# curl: the bash-echo sample runtime. python3, python3-boto3: the python3.x managed runtime (its bootstrap uses
# the standard library only; boto3 is the SDK AWS's Python image ships). tini: PID 1 that forwards SIGTERM/SIGINT to the gateway and reaps
# orphaned grandchildren of workers. Only what the base image lacks is installed. (No setpriv: the gateway sets
# its workers' parent-death signal itself, in gateway_spawn.c.)
# python3: the interpreter the python3.* managed runtimes run on (python3-boto3: their SDK, as AWS's Python images
# ship boto3; python3-simplejson: AWS's runtime client depends on it, so it sits in their /var/runtime too); node comes from the Node image below.
RUN set -eux; \
    missing="tini python3 python3-boto3 python3-simplejson"; \
    command -v curl >/dev/null || missing="$missing curl"; \
    command -v python3 >/dev/null || missing="$missing python3"; \
    python3 -c 'import boto3' 2>/dev/null || missing="$missing python3-boto3"; \
    python3 -c 'import simplejson' 2>/dev/null || missing="$missing python3-simplejson"; \
    apt-get update; \
    apt-get install -y --no-install-recommends $missing; \
    rm -rf /var/lib/apt/lists/*

# /app mirrors the repo: samples/functions.json points at ../artifacts/samples and ../src/Functions/bash-echo.
WORKDIR /app
COPY --from=build /out/artifacts/ artifacts/
COPY --from=node-runtime /src/artifacts/gateway/runtimes/ artifacts/gateway/runtimes/
COPY --from=node-runtime /usr/local/bin/node /usr/local/bin/node
COPY samples/functions.json samples/
COPY src/Functions/bash-echo/ src/Functions/bash-echo/
# The Python runtime beside the binary, where the gateway looks for it (scripts/publish.sh does the same outside
# Docker; its tests stay out), and the Python sample samples/functions.json registers.
COPY src/Runtimes/python/bootstrap src/Runtimes/python/bootstrap.py artifacts/gateway/runtimes/python/
COPY src/Runtimes/python/gateway_lambda_runtime/ artifacts/gateway/runtimes/python/gateway_lambda_runtime/
COPY samples/python-hello/ samples/python-hello/

# Containment (a cgroup per environment, a uid per function: README "Containment") needs root and write access to
# /sys/fs/cgroup, which this non-root image in a default container has neither of: the gateway starts with both parts
# off and says why. To have them, run the container as root with cgroup write access (docker run --privileged
# --user 0 …); nothing else is needed in the image (no new package: the spawn shim does the cgroup move and the
# user switch itself).
# Invocation data lives in a volume owned by the non-root user ($APP_UID, "app", comes with the
# .NET base images).
RUN mkdir -p /data && chown "$APP_UID" /data
VOLUME /data
USER $APP_UID

EXPOSE 9000
ENTRYPOINT ["tini", "--", "/app/artifacts/gateway/Gateway", \
            "--urls", "http://0.0.0.0:9000", "--data", "/data", "--functions", "/app/samples/functions.json"]
