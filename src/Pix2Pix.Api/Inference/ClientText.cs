using System.Text.RegularExpressions;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// What anonymous clients may read of the server's own messages: file-system paths cut down to their file names. The
/// log keeps the whole message; /models, /health/ready and problem details get this one.
/// </summary>
public static partial class ClientText
{
    public static string WithoutPaths(string message) =>
        AbsolutePath().Replace(message, m => m.Groups["name"].Value);

    // An absolute path (/a/b/c.onnx, C:\a\b.onnx) up to the next space, quote or colon-space: replaced by its last part.
    [GeneratedRegex(@"(?<![\w.])(?:[A-Za-z]:)?(?:[\\/][^\s\\/'""]+)*[\\/](?<name>[^\s\\/'"":]+)")]
    private static partial Regex AbsolutePath();
}
