# shellcheck shell=bash
# Sourced by scripts/reindex and scripts/replay-dead-letters: runs a one-shot command of Chat.Worker with the
# configuration scripts/dev-up gives the worker (anything already set in the environment wins).
run_worker_command() {
  : "${ConnectionStrings__MySql:=Server=127.0.0.1;Port=3306;Database=chat;User ID=chat;Password=chat}"
  : "${ConnectionStrings__Redis:=127.0.0.1:6379}"
  : "${ConnectionStrings__RabbitMq:=amqp://chat:chat@127.0.0.1:5672/chat}"
  : "${DOTNET_ENVIRONMENT:=Production}"
  export ConnectionStrings__MySql ConnectionStrings__Redis ConnectionStrings__RabbitMq DOTNET_ENVIRONMENT
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  command -v dotnet >/dev/null || { echo "$0: the .NET SDK 10 is required (dotnet not found)" >&2; exit 1; }
  # Built first, quietly: `dotnet run` would hand options it does not know (--nologo) to the command.
  dotnet build Chat.Worker/Chat.Worker.csproj -c Release --nologo -v quiet >/dev/null
  dotnet run --project Chat.Worker/Chat.Worker.csproj -c Release --no-build -- "$@"
}
