using Microsoft.Extensions.Options;

namespace Pix2Pix.Api.Extensions;

/// <summary>
/// A start that cannot work for a reason the operator gives and must fix (a setting out of range or of the wrong type, an
/// address that cannot be listened on) ends with one line on standard error and exit code 1, not a stack trace and an
/// abort. Anything else that escapes the program still crashes it as before: that is the service's fault.
/// </summary>
public static class StartupFailure
{
    public const int ExitCode = 1;

    private static int registered;

    /// <summary>From now on, an unhandled exception that is the operator's to fix ends the process with its one line (once per process).</summary>
    public static void ExitWithOneLineOnUnhandled()
    {
        if (Interlocked.Exchange(ref registered, 1) == 0) AppDomain.CurrentDomain.UnhandledException += ExitWithOneLine;
    }

    private static void ExitWithOneLine(object? sender, UnhandledExceptionEventArgs unhandled)
    {
        if (unhandled.ExceptionObject is not Exception e || Describe(e) is not { } why) return;
        Console.Error.WriteLine($"pix2pix-api: {why}");
        Console.Error.Flush();
        Environment.Exit(ExitCode);
    }

    /// <summary>What the operator has to fix, in one line, or null when the exception is not theirs.</summary>
    public static string? Describe(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: 1 } aggregate => Describe(aggregate.InnerExceptions[0]),
        OptionsValidationException invalid => $"the settings cannot work: {string.Join("; ", invalid.Failures)}",
        InvalidOperationException bad when bad.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => OneLine(bad.Message),
        IOException bind when bind.Message.StartsWith("Failed to bind to address", StringComparison.Ordinal) => OneLine(bind.Message),
        _ => null,
    };

    private static string OneLine(string message) => message.Split('\n')[0].Trim();
}
