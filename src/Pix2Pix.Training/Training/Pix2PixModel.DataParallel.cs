using Pix2Pix.Training.Data;
using Pix2Pix.Training.Models;
using Pix2Pix.Training.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Pix2Pix.Training.Training;

/// <summary>
/// Data parallelism on CPU cores, as the reference's nn.DataParallel over --gpu_ids: a step's batch is split into
/// <see cref="TrainOptions.Replicas"/> slices, each run by its own copy of G and D on its own thread. As in DataParallel,
/// batch norm is not synchronised: each replica normalises its own slice, so one image per replica is normalised exactly
/// as at batch 1. Their gradients are averaged into the primary networks' (weighted by slice size: the gradient of the
/// whole batch's mean loss), the primary's optimisers step, and the replicas take the new weights before their next
/// forward. The averaging runs in a fixed order, so a run repeats exactly and resumes exactly.
/// </summary>
public sealed partial class Pix2PixModel
{
    // Replica 0 holds the primary networks; the others, and their threads, exist with --replicas above 1 only.
    private Replica[] replicas;
    private ReplicaThreads? threads;
    private ReplicaParameters? replicaGenerators, replicaDiscriminators;
    private bool synchronised;

    private void CreateReplicas(NetworkOptions network, TrainOptions train)
    {
        if (train.Replicas <= 1) return;
        if (Device.IsCuda) throw new UserInputException("--replicas splits a batch over CPU cores; on a GPU leave it at 1");
        // Dropout's masks and the image pool's choices come from one random generator: replicas on several threads would
        // draw from it in an order that changes from run to run, and a run could not be repeated or resumed exactly.
        if (!network.NoDropout) throw new UserInputException("--replicas above 1 needs --no_dropout (the replicas' dropout masks would come from one random generator in a different order each run)");
        if (train.PoolSize > 0) throw new UserInputException("--replicas above 1 needs --pool_size 0 (pix2pix's default)");
        // The copies' own initialisation is overwritten before their first forward; it must not move the seeded generator.
        var seeded = get_rng_state();
        try
        {
            replicas = [.. replicas, .. Enumerable.Range(1, train.Replicas - 1).Select(_ =>
                new Replica(Networks.CreateGenerator(network, init: train.Init), Networks.CreateDiscriminator(network, train.Init), owned: true))];
        }
        finally
        {
            set_rng_state(seeded);
            seeded.Dispose();
        }

        foreach (var replica in replicas.Skip(1)) PrepareForTraining(replica.Generator, replica.Discriminator, train);

        replicaGenerators = new ReplicaParameters(replicas.Skip(1).Select(r => r.Generator.parameters().ToArray()).ToArray());
        replicaDiscriminators = new ReplicaParameters(replicas.Skip(1).Select(r => r.Discriminator.parameters().ToArray()).ToArray());
        threads = new ReplicaThreads(train.Replicas, libTorchThreadsEach: ReplicaThreads.LibTorchThreadsEach(train.Replicas));
    }

    // The first step (after construction or a restored checkpoint): every other copy takes the primary's weights.
    private void Synchronise()
    {
        if (synchronised) return;
        Broadcast(r => r.Generator, Generator);
        Broadcast(r => r.Discriminator, Discriminator);
        synchronised = true;
    }

    // Each replica in use runs its pass: on its own thread, or on the calling one when there is only the primary.
    private void Run(int used, Action<Replica> pass)
    {
        if (threads is null) pass(replicas[0]);
        else threads.Run(used, k => pass(replicas[k]));
    }

    // One optimiser step on the replicas' averaged gradient, after which every copy holds the primary's new weights: the
    // fused step does all of it in one pass; the first-written step averages, steps and copies in passes of their own.
    // Without other copies, the primary's own step.
    private void StepReplicas(Adam optimizer, ReplicaParameters? copies, double[] share, Func<Replica, nn.Module> network, nn.Module primary)
    {
        if (copies is null)
        {
            Step(optimizer);
            return;
        }

        if (fusedAdam)
        {
            copies.Use(share);
            FusedAdam.Step(optimizer, copies);
            return;
        }

        Average(share, network);
        optimizer.step();
        Broadcast(network, primary);
    }

    // The primary's weights (and batch-norm statistics) into every other replica.
    private void Broadcast(Func<Replica, nn.Module> network, nn.Module primary)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var source = primary.state_dict();
        foreach (var replica in replicas.Skip(1))
        {
            foreach (var (name, tensor) in network(replica).state_dict()) tensor.copy_(source[name]);
        }
    }

    // grad₀ ← Σₖ shareₖ · gradₖ, in replica order; the other replicas' gradients are zeroed for their next pass.
    private void Average(double[] share, Func<Replica, nn.Module> network)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var parameters = replicas.Take(share.Length).Select(r => network(r).parameters().ToArray()).ToArray();
        for (var i = 0; i < parameters[0].Length; i++)
        {
            var total = parameters[0][i].grad;
            if (total is null) continue;
            total.mul_(share[0]);
            for (var k = 1; k < share.Length; k++)
            {
                var grad = parameters[k][i].grad;
                if (grad is null) continue;
                total.add_(grad, alpha: share[k]);
                grad.zero_();
            }
        }
    }
}
