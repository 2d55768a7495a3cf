using System.CommandLine;

namespace Pix2Pix.Training.Commands;

/// <summary>Runs a verb; a problem the user can fix becomes one line on stderr and exit code 2, not a stack trace.</summary>
internal static class CommandAction
{
    public const int UserError = 2;

    public static void Set(Command command, TextWriter error, Func<ParseResult, int> action) =>
        command.SetAction(result =>
        {
            try
            {
                return action(result);
            }
            catch (UserInputException e)
            {
                error.WriteLine($"pix2pix {command.Name}: {e.Message}");
                return UserError;
            }
        });
}
