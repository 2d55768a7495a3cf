using Pix2Pix.Contracts;

namespace Pix2Pix.Api.Inference;

/// <summary>
/// The sessions of one model file, opened from the bytes that were read (so the version named is the one that runs),
/// each checked against the model's card and warmed up with one batch before it counts. Immutable once open.
/// </summary>
public sealed class SessionPool : IDisposable
{
    private readonly List<GeneratorSession> sessions;

    private SessionPool(List<GeneratorSession> sessions, ModelCard card)
    {
        this.sessions = sessions;
        Card = card;
    }

    public ModelCard Card { get; }
    public IReadOnlyList<GeneratorSession> Sessions => sessions;
    public string Provider => sessions[0].Provider;
    public string Device => sessions[0].Device;

    /// <summary>Opens <see cref="InferenceOptions.EffectiveSessions"/> sessions, the CPU threads split between them; throws what is wrong.</summary>
    public static SessionPool Open(string name, byte[] onnx, InferenceOptions options, ILogger logger)
    {
        var cores = Environment.ProcessorCount;
        var count = options.EffectiveSessions(cores);
        var threads = Math.Max(1, cores / count);
        var opened = new List<GeneratorSession>(count);
        ModelCard? card = null;
        try
        {
            // The first session finds the provider (CUDA, or the CPU with one warning); the others open on the one it found.
            for (var i = 0; i < count; i++)
            {
                var on = i == 0 ? options : options with { UseCuda = opened[0].Provider == GeneratorSession.Cuda };
                opened.Add(GeneratorSession.Open(name, onnx, on, threads, session => card = WarmUp(session, card, Math.Max(1, options.MaxBatchSize)), logger));
            }

            return new SessionPool(opened, card!);
        }
        catch
        {
            foreach (var session in opened) session.Dispose();
            throw;
        }
    }

    // Reads the card from the session's metadata, checks the graph against it, and runs a batch of every size the batcher
    // can form (and a lone request's, on its own session when it has one), so that no request pays for a first run at its
    // shape (cuDNN's algorithm search, the arena's growth).
    private static ModelCard WarmUp(GeneratorSession session, ModelCard? known, int maxBatch)
    {
        var card = known ?? ModelCard.FromMetadata(session.Metadata);
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

        if (session.SpinsWhenAlone) session.Run(input.AsMemory(0, card.InputChannels * size * size), output.AsMemory(0, card.OutputChannels * size * size), 1, card.InputChannels, card.OutputChannels, size, alone: true);

        return card;
    }

    public void Dispose()
    {
        foreach (var session in sessions) session.Dispose();
    }
}
