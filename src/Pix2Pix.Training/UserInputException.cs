namespace Pix2Pix.Training;

/// <summary>A problem the user can fix (an option, a path, a file); the CLI prints its message and exits non-zero.</summary>
public sealed class UserInputException(string message, Exception? inner = null) : Exception(message, inner);
