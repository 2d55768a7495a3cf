using System.CommandLine;

namespace Pix2Pix.Training.Commands;

/// <summary>
/// Runs a verb; a problem the user can fix becomes one line on stderr and exit code 2, and a file the system would not
/// read or write (a full disk, a path that is a file, no permission) one line and exit code 1: never a stack trace.
/// </summary>
internal static class CommandAction
{
    public const int UserError = 2;
    public const int FileError = 1;

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
            catch (Exception e) when (NativeLibraryMissing(e))
            {
                error.WriteLine($"pix2pix {command.Name}: TorchSharp's native library cannot load on this host (it needs libstdc++ with GLIBCXX_3.4.32, "
                    + "as on Debian 13, Ubuntu 24.04 or newer); run the CLI through scripts/pix2pix, which provides one on older hosts");
                return UserError;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"pix2pix {command.Name}: {e.Message}");
                return FileError;
            }
        });

    private static bool NativeLibraryMissing(Exception e) => e switch
    {
        DllNotFoundException missing => missing.Message.Contains("LibTorchSharp", StringComparison.Ordinal),
        TypeInitializationException { InnerException: { } inner } => NativeLibraryMissing(inner),
        _ => false,
    };
}
