namespace Pix2Pix.Training.Training;

/// <summary>
/// One trainer per run folder: two processes resuming the same run would write the same checkpoints and trim each
/// other's loss log. The lock is the operating system's on an open file, so it goes with the process, however it ends.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = ".train.lock";

    private readonly FileStream held;

    private RunLock(FileStream held) => this.held = held;

    public static RunLock Acquire(string runDirectory)
    {
        Directory.CreateDirectory(runDirectory);
        try
        {
            return new RunLock(new FileStream(Path.Combine(runDirectory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            throw new UserInputException($"{runDirectory} is being trained by another process; wait for it to end, or stop it (it saves 'latest' when it stops) and resume with --continue_train", e);
        }
    }

    public void Dispose() => held.Dispose();
}
