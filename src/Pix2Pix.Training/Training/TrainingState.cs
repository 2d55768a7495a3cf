namespace Pix2Pix.Training.Training;

/// <summary>Where training stands after a saved epoch; the learning rate follows from the epoch.</summary>
public sealed record TrainingState(int Epoch, long Step, double LearningRate, double SecondsTrained);
