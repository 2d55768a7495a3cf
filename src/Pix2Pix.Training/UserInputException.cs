namespace Pix2Pix.Training;

/// <summary>A problem the user can fix (an option, a path, a file); the CLI prints its message and exits non-zero.</summary>
public class UserInputException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An image file that cannot be read (damaged, truncated, not an image): the file, not the options, needs fixing.</summary>
public sealed class UnreadableImageException(string message, Exception inner) : UserInputException(message, inner);

/// <summary>
/// Training whose losses or weights stopped being numbers (NaN or infinite): nothing more is learnt and nothing is saved
/// over the checkpoints already there; the options (a lower --lr, --no_fast_step) are what the user changes.
/// </summary>
public sealed class TrainingDivergedException(string message) : UserInputException(message);
