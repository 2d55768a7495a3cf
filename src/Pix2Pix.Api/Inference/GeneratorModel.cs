using System.Diagnostics;
using System.Threading.Channels;
using Pix2Pix.Api.Telemetry;
using Pix2Pix.Contracts;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// One served generator: its card, a small pool of sessions, and a bounded queue that the sessions drain
/// in batches (up to MaxBatchSize requests, the first waiting at most MaxBatchWait for others), as
/// Triton's dynamic batcher does. Requests cancelled while queued are dropped without being computed.
/// </summary>
public sealed class GeneratorModel : IAsyncDisposable
{
    private readonly InferenceOptions options;
    private readonly Pix2PixTelemetry telemetry;
    private readonly ILogger logger;
    private readonly Channel<PendingTranslation> queue;
    private readonly CancellationTokenSource stopping = new();
    private readonly List<GeneratorSession> sessions = [];
    private readonly List<Task> workers = [];
    private int arriving;

    private GeneratorModel(string name, string path, InferenceOptions options, Pix2PixTelemetry telemetry, ILogger logger)
    {
        Name = name;
        Path = path;
        this.options = options;
        this.telemetry = telemetry;
        this.logger = logger;
        queue = Channel.CreateBounded<PendingTranslation>(new BoundedChannelOptions(Math.Max(1, options.QueueCapacity))
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = false,
        });
    }

    public string Name { get; }
    public string Path { get; }
    public ModelState State { get; private set; } = ModelState.Loading;
    /// <summary>Why the model cannot serve, whole (with its file's path): for the log.</summary>
    public string? Error { get; private set; }

    /// <summary>Why the model cannot serve, for clients: without the server's paths.</summary>
    public string? PublicError => Error is null ? null : ClientText.WithoutPaths(Error);
    public ModelCard? Card { get; private set; }
    public string? Provider { get; private set; }
    public int Sessions => sessions.Count;

    /// <summary>Loads and warms up the model; a broken file gives a Failed model that says why, never an exception.</summary>
    public static GeneratorModel Load(string path, InferenceOptions options, Pix2PixTelemetry telemetry, ILogger logger)
    {
        var model = new GeneratorModel(System.IO.Path.GetFileNameWithoutExtension(path), path, options, telemetry, logger);
        try
        {
            model.Open();
            model.State = ModelState.Ready;
            logger.LogInformation("Model {Model} ready on {Provider}: {Architecture} ngf {Ngf}, native size {Size}, {Sessions} session(s)",
                model.Name, model.Provider, model.Card!.Architecture, model.Card.Ngf, model.Card.NativeSize, model.sessions.Count);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A model file is the operator's input: whatever is wrong with it is reported, and the service serves the others.
            model.Fail(e.Message.Split('\n')[0].Trim());
        }

        return model;
    }

    /// <summary>
    /// Says a request is on its way (being read or decoded). A batch waits for others only while some are
    /// on their way, so a lone request never pays the batching delay. Dispose when it is queued or gone.
    /// </summary>
    public IDisposable Announce()
    {
        Interlocked.Increment(ref arriving);
        return new Arrival(this);
    }

    private sealed class Arrival(GeneratorModel model) : IDisposable
    {
        private int done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) == 0) Interlocked.Decrement(ref model.arriving);
        }
    }

    public async Task<float[]> TranslateAsync(float[] input, CancellationToken cancellation, IDisposable? arrival = null)
    {
        if (State != ModelState.Ready) throw new InvalidOperationException($"model '{Name}' is {State}");
        cancellation.ThrowIfCancellationRequested();
        var pending = new PendingTranslation(input, cancellation, Activity.Current?.Context ?? default);
        var queued = queue.Writer.TryWrite(pending);
        arrival?.Dispose();
        if (!queued)
        {
            telemetry.Rejected.Add(1, new KeyValuePair<string, object?>("model", Name));
            throw new ServiceUnavailable("Server busy", $"The queue for model '{Name}' is full ({options.QueueCapacity} waiting); retry shortly.", 1);
        }

        telemetry.Enqueued();
        using (Pix2PixTelemetry.Source.StartActivity("queue wait"))
        {
            return await pending.Result.Task.WaitAsync(cancellation);
        }
    }

    private void Open()
    {
        var cores = Environment.ProcessorCount;
        var count = options.EffectiveSessions(cores);
        var threads = Math.Max(1, cores / count);
        for (var i = 0; i < count; i++)
        {
            var session = GeneratorSession.Open(Path, options, threads, WarmUp, logger);
            sessions.Add(session);
            Provider ??= session.Provider;
        }

        foreach (var session in sessions) workers.Add(Task.Run(() => Work(session)));
    }

    // Reads the card from the first session's metadata, checks the graph against it, and runs one batch.
    private void WarmUp(GeneratorSession session)
    {
        Card ??= ModelCard.FromMetadata(session.Metadata);
        var shape = session.InputShape;
        if (shape.Count != 4 || (shape[1] > 0 && shape[1] != Card.InputChannels))
        {
            throw new InvalidDataException($"the model's input is [{string.Join(", ", shape)}], expected [batch, {Card.InputChannels}, height, width]");
        }

        var size = Card.NativeSize;
        if (size % Card.SizeMultiple != 0) throw new InvalidDataException($"native size {size} is not a multiple of {Card.SizeMultiple}");
        var input = new float[Card.InputChannels * size * size];
        var output = new float[Card.OutputChannels * size * size];
        session.Run(input, output, 1, Card.InputChannels, Card.OutputChannels, size);
    }

    private async Task Work(GeneratorSession session)
    {
        var card = Card!;
        var max = Math.Max(1, options.MaxBatchSize);
        var (inPer, outPer) = (card.InputChannels * card.NativeSize * card.NativeSize, card.OutputChannels * card.NativeSize * card.NativeSize);
        var input = new float[max * inPer];
        var output = new float[max * outPer];
        var batch = new List<PendingTranslation>(max);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stopping.Token))
            {
                await Gather(batch, max);
                if (batch.Count == 0) continue;
                Run(session, batch, input, output, inPer, outPer);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task Gather(List<PendingTranslation> batch, int max)
    {
        Drain(batch, max);
        if (batch.Count == 0 || batch.Count >= max || options.MaxBatchWaitMilliseconds <= 0 || Volatile.Read(ref arriving) == 0) return;
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        wait.CancelAfter(options.MaxBatchWaitMilliseconds);
        try
        {
            while (batch.Count < max && await queue.Reader.WaitToReadAsync(wait.Token)) Drain(batch, max);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // The batch waited long enough.
        }
    }

    private void Drain(List<PendingTranslation> batch, int max)
    {
        while (batch.Count < max && queue.Reader.TryRead(out var pending))
        {
            telemetry.Dequeued();
            if (pending.Cancellation.IsCancellationRequested) pending.Result.TrySetCanceled(pending.Cancellation);
            else batch.Add(pending);
        }
    }

    private void Run(GeneratorSession session, List<PendingTranslation> batch, float[] input, float[] output, int inPer, int outPer)
    {
        var links = batch.Where(p => p.Parent != default).Select(p => new ActivityLink(p.Parent)).ToArray();
        using var activity = Pix2PixTelemetry.Source.StartActivity("inference", ActivityKind.Internal, parentContext: batch[0].Parent, links: links);
        activity?.SetTag("pix2pix.model", Name);
        activity?.SetTag("pix2pix.batch_size", batch.Count);
        activity?.SetTag("pix2pix.provider", session.Provider);
        var started = Stopwatch.GetTimestamp();
        foreach (var pending in batch) telemetry.QueueWait.Record(Stopwatch.GetElapsedTime(pending.EnqueuedAt, started).TotalMilliseconds);
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].Input.Length != inPer) throw new InvalidDataException($"an input holds {batch[i].Input.Length} values, the model takes {inPer}");
                batch[i].Input.AsSpan().CopyTo(input.AsSpan(i * inPer, inPer));
            }

            session.Run(input.AsMemory(0, batch.Count * inPer), output.AsMemory(0, batch.Count * outPer), batch.Count, Card!.InputChannels, Card.OutputChannels, Card.NativeSize);
            var tags = new TagList { { "model", Name }, { "provider", session.Provider } };
            telemetry.InferenceDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
            telemetry.BatchSize.Record(batch.Count, tags);
            for (var i = 0; i < batch.Count; i++) batch[i].Result.TrySetResult(output.AsSpan(i * outPer, outPer).ToArray());
        }
        catch (Exception e)
        {
            // Whatever went wrong fails this batch's requests only; the worker lives on for the next batch.
            logger.LogError(e, "Inference failed on model {Model} for a batch of {Count}", Name, batch.Count);
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            foreach (var pending in batch) pending.Result.TrySetException(new InferenceFailed(Name, e));
        }
    }

    private void Fail(string reason)
    {
        State = ModelState.Failed;
        Error = reason;
        logger.LogError("Model {Model} at {Path} cannot be served: {Reason}", Name, Path, reason);
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await stopping.CancelAsync();
        await Task.WhenAll(workers);
        while (queue.Reader.TryRead(out var pending)) pending.Result.TrySetCanceled();
        foreach (var session in sessions) session.Dispose();
        stopping.Dispose();
    }
}

/// <summary>An inference error on a batch; only that batch's requests fail.</summary>
public sealed class InferenceFailed(string model, Exception inner) : Exception($"inference failed on model '{model}'", inner);
