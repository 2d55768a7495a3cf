using Pix2Pix.Contracts;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// The sessions of one model file, opened from the bytes that were read (so the version named is the one that runs),
/// each checked against the model's card and warmed up with one batch before it counts. On the CPU, one more session for
/// a request that has the service to itself (<see cref="Alone"/>). Immutable once open.
/// </summary>
public sealed class SessionPool : IDisposable
{
    private readonly List<GeneratorSession> sessions;

    private SessionPool(List<GeneratorSession> sessions, GeneratorSession? alone, ModelCard card)
    {
        this.sessions = sessions;
        Alone = alone;
        Card = card;
    }

    public ModelCard Card { get; }
    public IReadOnlyList<GeneratorSession> Sessions => sessions;

    public string Provider => sessions[0].Provider;
    public string Device => sessions[0].Device;

    /// <summary>
    /// Where a request that has the service to itself runs (<see cref="InferenceOptions.SpinWhenAlone"/>): a CPU session
    /// with every core, whose threads spin through the run; null on CUDA, with spinning on everywhere, or turned off.
    /// </summary>
    public GeneratorSession? Alone { get; }

    /// <summary>
    /// Opens <see cref="InferenceOptions.EffectiveSessions"/> sessions, the CPU threads split between them, and on the CPU
    /// the lone request's session (<see cref="Alone"/>); throws what is wrong.
    /// </summary>
    public static SessionPool Open(string name, byte[] onnx, InferenceOptions options, ILogger logger)
    {
        var cores = Environment.ProcessorCount;
        var count = options.EffectiveSessions(cores);
        var threads = Math.Max(1, cores / count);
        var opened = new List<GeneratorSession>(count);
        GeneratorSession? alone = null;
        ModelCard? card = null;
        try
        {
            // The first session finds the provider (CUDA, or the CPU with one warning) and whether pinned buffers work; the others
            // open the way it did.
            for (var i = 0; i < count; i++)
            {
                var on = i == 0 ? options : options with { UseCuda = opened[0].Provider == GeneratorSession.Cuda, PinnedBuffers = opened[0].Pinned };
                opened.Add(GeneratorSession.Open(name, onnx, on, threads, session => card = WarmUp(session, card, Math.Max(1, options.MaxBatchSize)), logger));
            }

            // Only one request at a time can have the service to itself: one such session per model, with every core.
            if (options.SpinWhenAlone && !options.AllowSpinning && opened[0].Provider == GeneratorSession.Cpu)
            {
                alone = GeneratorSession.OpenSpinning(onnx, cores);
                WarmUp(alone, card, maxBatch: 1);
            }

            return new SessionPool(opened, alone, card!);
        }
        catch
        {
            alone?.Dispose();
            foreach (var session in opened) session.Dispose();
            throw;
        }
    }

    // Reads the card from the session's metadata, checks the graph against it, and runs a batch of every size the batcher
    // can form, so that no request pays for a first run at its shape (cuDNN's algorithm search, the arena's growth).
    private static ModelCard WarmUp(GeneratorSession session, ModelCard? known, int maxBatch)
    {
        var card = known ?? ModelCard.FromMetadata(session.Metadata);
        if (card.InputChannels is not (1 or 3) || card.OutputChannels is not (1 or 3))
        {
            throw new InvalidDataException($"the model takes {card.InputChannels} channels and gives {card.OutputChannels}; the service translates 1 (grey) or 3 (RGB) each way");
        }

        var shape = session.InputShape;
        if (shape.Count != 4 || (shape[1] > 0 && shape[1] != card.InputChannels))
        {
            throw new InvalidDataException($"the model's input is [{string.Join(", ", shape)}], expected [batch, {card.InputChannels}, height, width]");
        }

        var size = card.NativeSize;
        if (size % card.SizeMultiple != 0) throw new InvalidDataException($"native size {size} is not a multiple of {card.SizeMultiple}");
        var input = new float[maxBatch * card.InputChannels * size * size];
        var output = new float[maxBatch * card.OutputChannels * size * size];
        for (var batch = 1; batch <= maxBatch; batch++)
        {
            session.Run(input.AsMemory(0, batch * card.InputChannels * size * size), output.AsMemory(0, batch * card.OutputChannels * size * size), batch, card.InputChannels, card.OutputChannels, size);
        }

        return card;
    }

    public void Dispose()
    {
        Alone?.Dispose();
        foreach (var session in sessions) session.Dispose();
    }
}
