using System.Security.Cryptography;
using Pix2Pix.Api.Telemetry;
using Pix2Pix.Contracts;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// One version of a served generator, immutable: the file's content hash, its card, its session pool and batcher; or,
/// for a file that cannot be served, why. Requests hold it by a lease (<see cref="TryAcquire"/>); once the registry has
/// let go of a replaced version and the last lease is returned, <see cref="Released"/> completes and it can be disposed.
/// </summary>
public sealed class GeneratorModel : IAsyncDisposable
{
    private readonly SessionPool? pool;
    private readonly Batcher? batcher;
    private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int holders = 1;   // the registry's own hold, then one per lease
    private int disposed;

    private GeneratorModel(string name, string path, string version, SessionPool? pool, Batcher? batcher, string? error)
    {
        Name = name;
        Path = path;
        Version = version;
        this.pool = pool;
        this.batcher = batcher;
        Error = error;
    }

    public string Name { get; }
    public string Path { get; }

    /// <summary>The content hash of the file as it was read, "sha256:" and its first 16 hex digits.</summary>
    public string Version { get; }

    public DateTimeOffset LoadedAt { get; } = DateTimeOffset.UtcNow;
    public ModelState State => pool is null ? ModelState.Failed : ModelState.Ready;

    /// <summary>Why the model cannot serve, whole (with its file's path): for the log.</summary>
    public string? Error { get; }

    /// <summary>Why the model cannot serve, for clients: without the server's paths.</summary>
    public string? PublicError => Error is null ? null : ClientText.WithoutPaths(Error);

    public ModelCard? Card => pool?.Card;
    public string? Provider => pool?.Provider;
    public string? Device => pool?.Device;
    public int Sessions => pool?.Sessions.Count ?? 0;

    /// <summary>Completes when neither the registry nor any request holds this version any more.</summary>
    public Task Released => released.Task;

    public static string VersionOf(byte[] onnx) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(onnx))[..16];

    /// <summary>
    /// Loads and warms up the model from the bytes read from <paramref name="path"/>; a broken file gives a Failed model
    /// that says why, never an exception.
    /// </summary>
    public static GeneratorModel Load(string path, byte[] onnx, InferenceOptions options, Pix2PixTelemetry telemetry, ILogger logger)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        var version = VersionOf(onnx);
        SessionPool pool;
        try
        {
            pool = SessionPool.Open(name, onnx, options, logger);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A model file is the operator's input: whatever is wrong with it is reported, and the service serves the others.
            return Failed(path, version, $"{System.IO.Path.GetFileName(path)}: {e.Message.Split('\n')[0].Trim()}", logger);
        }

        var card = pool.Card;
        logger.LogInformation("Model {Model} {Version} ready on {Provider} ({Device}): {Architecture} ngf {Ngf}, native size {Size}, {Sessions} session(s)",
            name, version, pool.Provider, pool.Device, card.Architecture, card.Ngf, card.NativeSize, pool.Sessions.Count);
        return new GeneratorModel(name, path, version, pool, new Batcher(name, pool, options, telemetry, logger), null);
    }

    /// <summary>A model file that could not be looked at or read: a Failed version that says why.</summary>
    public static GeneratorModel Unreadable(string path, string reason, ILogger logger)
    {
        // The file's own path and its folder are cut to the file's name whole here: ClientText's cut stops at a space, and
        // a folder named with one would be half kept in what clients read.
        var file = System.IO.Path.GetFileName(path);
        var folder = System.IO.Path.GetDirectoryName(path);
        var told = reason.Replace(path, file, StringComparison.Ordinal);
        if (!string.IsNullOrEmpty(folder)) told = told.Replace(folder, "the models folder", StringComparison.Ordinal);
        return Failed(path, "unread", $"{file} could not be read: {told}", logger);
    }

    private static GeneratorModel Failed(string path, string version, string reason, ILogger logger)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(path);
        logger.LogError("Model {Model} {Version} at {Path} cannot be served: {Reason}", name, version, path, reason);
        return new GeneratorModel(name, path, version, null, null, reason);
    }

    /// <summary>Takes a hold on this version for one request; false once it has been released for good (take the registry's newer one).</summary>
    public bool TryAcquire()
    {
        for (var seen = Volatile.Read(ref holders); seen > 0; seen = Volatile.Read(ref holders))
        {
            if (Interlocked.CompareExchange(ref holders, seen + 1, seen) == seen) return true;
        }

        return false;
    }

    /// <summary>Returns a hold (a request's, or the registry's when it retires this version).</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref holders) == 0) released.TrySetResult();
    }

    /// <inheritdoc cref="Batcher.Announce"/>
    public IDisposable Announce() => ServingBatcher.Announce();

    /// <summary>Queues one input (C×S×S at the native size) for the next batch and returns its output.</summary>
    public Task<float[]> TranslateAsync(float[] input, CancellationToken cancellation, IDisposable? arrival = null, bool counted = true) =>
        ServingBatcher.TranslateAsync(input, cancellation, arrival, counted);

    /// <inheritdoc cref="Batcher.TranslateAsync(ReadOnlyMemory{float}, Memory{float}, CancellationToken, IDisposable?, bool)"/>
    public Task TranslateAsync(ReadOnlyMemory<float> input, Memory<float> output, CancellationToken cancellation, IDisposable? arrival = null, bool counted = true) =>
        ServingBatcher.TranslateAsync(input, output, cancellation, arrival, counted);

    private Batcher ServingBatcher => batcher ?? throw new InvalidOperationException($"model '{Name}' cannot serve: {Error}");

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        if (batcher is not null) await batcher.DisposeAsync();
        pool?.Dispose();
    }
}
