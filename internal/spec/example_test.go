package spec_test

import (
	"fmt"

	"github.com/azmlbatch/azmlbatch/internal/spec"
)

func ExampleLoad() {
	file := []byte(`
inputs:
  heart_data:
    type: uri_folder
    path: https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data
`)
	s, err := spec.Load(file, "inputs.yml", []string{
		"inputs.score_mode.type=string", "inputs.score_mode.default=append",
		"mini_batch_size=20",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Inputs["heart_data"].Kind(), s.Inputs["heart_data"])
	fmt.Println(s.Inputs["score_mode"].Kind(), s.Inputs["score_mode"])
	fmt.Println(*s.Settings.MiniBatchSize)

	_, err = spec.FromSets([]string{"inputs.heart-data.path=azureml:heart-data@latest"})
	fmt.Println(err)
	// Output:
	// uri_folder https://azuremlexampledata.blob.core.windows.net/data/heart-disease-uci/data
	// string append
	// 20
	// --set #1 inputs.heart-data.path: inputs.heart-data: "heart-data" is not a valid input name; use heart_data instead (names contain only letters, digits and underscores; the hyphens of an asset name become underscores)
}
