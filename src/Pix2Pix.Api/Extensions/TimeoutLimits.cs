namespace Pix2Pix.Api.Extensions;

/// <summary>
/// The longest time .NET's timers and cancellation deadlines take (uint.MaxValue − 1 ms, about 49.7 days): a longer
/// configured time would throw on every use, so settings in seconds are refused above it at start-up.
/// </summary>
public static class TimeoutLimits
{
    public const int MaxSeconds = 4_294_967;

    /// <summary><see cref="MaxSeconds"/> as messages write it.</summary>
    public static string MaxSecondsText => MaxSeconds.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}
