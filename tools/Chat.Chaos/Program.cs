using Chat.Chaos;

// scripts/chaos drives this tool:
//   Chat.Chaos run    --base URL --seed N --duration S [--rate R] [--concurrency C] [--apps A] [--chats K] [--gap-timeout S] --out DIR
//                     (writes DIR/started when the load begins; runs S seconds, and on until DIR/stop exists, at most 5 min more;
//                     the feed followers then read on until nothing moved for longer than the API's Feed__GapTimeout)
//   Chat.Chaos verify --out DIR --api URL --mysql CS --rabbitmq URI [--faults FILE] [--drain S] [--redeliveries N] [--hooks-wait S]
//   Chat.Chaos hooks  --out DIR [--port P] [--down-at S] [--down-for S]   (the webhook receiver; runs until killed)
var options = Options.Parse(args[1..]);
return args.FirstOrDefault() switch
{
    "run" => await Load.RunAsync(options),
    "verify" => await Verify.RunAsync(options),
    "hooks" => await Hooks.ServeAsync(options),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Chat.Chaos run|verify --name value ... (see scripts/chaos)");
    return 2;
}

namespace Chat.Chaos
{
    public sealed class Options(Dictionary<string, string> values)
    {
        public static Options Parse(string[] args)
        {
            var values = new Dictionary<string, string>();
            for (var i = 0; i + 1 < args.Length; i += 2) values[args[i].TrimStart('-')] = args[i + 1];
            return new Options(values);
        }

        public string Text(string name, string? fallback = null) =>
            values.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"--{name} is required");

        public int Number(string name, int fallback) => values.TryGetValue(name, out var value) ? int.Parse(value) : fallback;
    }
}
