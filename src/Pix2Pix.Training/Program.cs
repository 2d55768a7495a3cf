using Pix2Pix.Training.Commands;

namespace Pix2Pix.Training;

/// <summary>The pix2pix command line: one verb per task, each built by its own factory.</summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new System.CommandLine.RootCommand("pix2pix: image-to-image translation with conditional adversarial networks (Isola et al.)")
        {
            SummaryCommand.Create(output, error),
            TrainCommand.Create(output, error),
            TestCommand.Create(output, error),
            TranslateCommand.Create(output, error),
            PrepareCommand.Create(output, error),
            ExportCommand.Create(output, error),
            ImportCommand.Create(output, error),
            EvaluateCommand.Create(output, error),
            CompareCommand.Create(output, error),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && !args.Any(a => a is "-h" or "--help" or "-?"))
        {
            // One line per problem and a pointer to the help, rather than the whole usage text.
            foreach (var problem in parsed.Errors) error.WriteLine($"pix2pix: {problem.Message.ReplaceLineEndings(" ").Replace("\t", "")}");
            error.WriteLine($"run '{string.Join(' ', ["pix2pix", .. parsed.CommandResult.Command.Name == root.Name ? [] : new[] { parsed.CommandResult.Command.Name }])} --help' for the options");
            return CommandAction.UserError;
        }

        return parsed.Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
    }
}
