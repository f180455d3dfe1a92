using Gateway.Fuzz;
using Gateway.Fuzz.Smoke;
using SharpFuzz;

// Gateway.Fuzz TARGET                    run under afl-fuzz (SharpFuzz's out-of-process fork server; input on stdin)
// Gateway.Fuzz smoke [TARGET|all] [--mutations N] [--seed S] [--corpus DIR] [--counts FILE]
//                                        replay the corpus and N seeded mutations per target in-process
// Gateway.Fuzz replay TARGET FILE...     run files through a target once each and print what escapes (crash triage)
// Gateway.Fuzz list                      the target names
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Gateway.Fuzz TARGET | smoke [TARGET|all] [--mutations N] [--seed S] [--corpus DIR] | replay TARGET FILE... | list");
    return 2;
}
switch (args[0])
{
    case "list":
        foreach (var t in FuzzTargets.All)
        {
            Console.WriteLine($"{t.Name,-16} {t.Description}");
        }
        return 0;
    case "smoke":
        return SmokeRunner.Run(args[1..]);
    case "replay":
        return Replay(args[1..]);
}

var target = FuzzTargets.Find(args[0]);
if (target is null)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; 'list' names them");
    return 2;
}
// The child process SharpFuzz starts runs each input; an exception that escapes (or a hang) is what afl-fuzz records.
Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    target.Run(copy.ToArray());
});
return 0;

static int Replay(string[] args)
{
    var target = args.Length > 0 ? FuzzTargets.Find(args[0]) : null;
    if (target is null || args.Length < 2)
    {
        Console.Error.WriteLine("usage: Gateway.Fuzz replay TARGET FILE...");
        return 2;
    }
    int failures = 0;
    foreach (var file in args[1..])
    {
        try
        {
            target.Run(File.ReadAllBytes(file));
            Console.WriteLine($"ok      {file}");
        }
        catch (Exception ex)
        {
            failures++;
            Console.WriteLine($"FINDING {file}\n{ex}");
        }
    }
    return failures == 0 ? 0 : 1;
}
