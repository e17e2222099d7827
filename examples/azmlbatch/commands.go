package main

import (
	"context"
	"errors"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/spf13/cobra"

	"github.com/azmlbatch/azmlbatch/batchendpoint"
)

// leaf is a command that takes only flags and runs on the workspace.
func (a *app) leaf(use, short, example string, required []string, run func(ctx context.Context, ws *workspace) error) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Example: example, Args: noArgs}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := need(cmd, required...); err != nil {
			return err
		}
		a.started()
		ws, err := a.workspace(cmd.Context())
		if err != nil {
			return err
		}
		return run(cmd.Context(), ws)
	}
	cmd.Flags().SortFlags = false
	return cmd
}

// collect reads every page of a pager.
func collect[R, T any](ctx context.Context, p *runtime.Pager[R], items func(R) []T) ([]T, error) {
	var out []T
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, items(page)...)
	}
	return out, nil
}

// printAll prints items as a JSON array (empty, not null, when there are none).
func printAll[T any](a *app, items []T, dict func(T) map[string]any) error {
	out := []any{}
	for _, it := range items {
		out = append(out, dict(it))
	}
	return a.print(out)
}

func (a *app) batchEndpointCommand() *cobra.Command {
	var name, deployment string
	var maxResults int
	show := a.leaf("show", "Show details for an endpoint.", "  azmlbatch batch-endpoint show -n heart-classifier --query scoring_uri -o tsv",
		[]string{"name"}, func(ctx context.Context, ws *workspace) error {
			res, err := ws.client.GetEndpoint(ctx, name, nil)
			if err != nil {
				return err
			}
			return a.print(endpointDict(res.Endpoint))
		})
	show.Flags().StringVarP(&name, "name", "n", "", "Name of the batch endpoint (required).")
	show.PreRunE = func(*cobra.Command, []string) error { return validName(name, "--name/-n") }

	list := a.leaf("list", "List endpoints in a workspace.", "  azmlbatch batch-endpoint list --query '[].name' -o tsv", nil,
		func(ctx context.Context, ws *workspace) error {
			items, err := collect(ctx, ws.client.NewListEndpointsPager(nil),
				func(r batchendpoint.ListEndpointsResponse) []batchendpoint.Endpoint { return r.Endpoints })
			if err != nil {
				return err
			}
			return printAll(a, items, endpointDict)
		})

	var jobsName string
	listJobs := a.leaf("list-jobs", "List the batch scoring jobs for a batch endpoint.",
		"  azmlbatch batch-endpoint list-jobs -n heart-classifier --query '[].{name:name, status:status}' -o table",
		[]string{"name"}, func(ctx context.Context, ws *workspace) error {
			pager := ws.client.NewListJobsPager(jobsName, &batchendpoint.ListJobsOptions{Deployment: deployment})
			out := []any{}
			for pager.More() {
				page, err := pager.NextPage(ctx)
				if err != nil {
					return err
				}
				for _, d := range page.Jobs {
					if maxResults > 0 && len(out) >= maxResults {
						return a.print(out)
					}
					out = append(out, jobDict(d))
				}
			}
			return a.print(out)
		})
	listJobs.Flags().StringVarP(&jobsName, "name", "n", "", "Name of the batch endpoint (required).")
	listJobs.PreRunE = func(*cobra.Command, []string) error { return validName(jobsName, "--name/-n") }
	listJobs.Flags().StringVarP(&deployment, "deployment-name", "d", "", "Only the jobs of this deployment.")
	listJobs.Flags().IntVarP(&maxResults, "max-results", "r", 0, "Maximum number of jobs to return (0: all).")

	return group("batch-endpoint", "Manage Azure ML batch endpoints.", a.invokeCommand(), show, list, listJobs)
}

func (a *app) batchDeploymentCommand() *cobra.Command {
	var name, endpoint string
	show := a.leaf("show", "Show a deployment.", "  azmlbatch batch-deployment show -n classifier-xgboost -e heart-classifier",
		[]string{"name", "endpoint-name"}, func(ctx context.Context, ws *workspace) error {
			res, err := ws.client.GetDeployment(ctx, endpoint, name, nil)
			if err != nil {
				return err
			}
			return a.print(deploymentDict(res.Deployment))
		})
	show.Flags().StringVarP(&name, "name", "n", "", "Name of the deployment (required).")
	show.Flags().StringVarP(&endpoint, "endpoint-name", "e", "", "Name of the endpoint (required).")
	show.PreRunE = func(*cobra.Command, []string) error { return validName(endpoint, "--endpoint-name/-e") }

	var listEndpoint string
	list := a.leaf("list", "List deployments.", "  azmlbatch batch-deployment list -e heart-classifier --query '[].name' -o tsv",
		[]string{"endpoint-name"}, func(ctx context.Context, ws *workspace) error {
			items, err := collect(ctx, ws.client.NewListDeploymentsPager(listEndpoint, nil),
				func(r batchendpoint.ListDeploymentsResponse) []batchendpoint.Deployment { return r.Deployments })
			if err != nil {
				return err
			}
			return printAll(a, items, deploymentDict)
		})
	list.Flags().StringVarP(&listEndpoint, "endpoint-name", "e", "", "Name of the endpoint (required).")
	list.PreRunE = func(*cobra.Command, []string) error { return validName(listEndpoint, "--endpoint-name/-e") }
	return group("batch-deployment", "Manage Azure ML batch deployments.", show, list)
}

func (a *app) jobCommand() *cobra.Command {
	nameFlag := func(c *cobra.Command, p *string) {
		c.Flags().StringVarP(p, "name", "n", "", "Name of the job (required).")
	}
	var showName string
	show := a.leaf("show", "Show details for a job.", "  STATUS=$(azmlbatch job show -n $JOB_NAME --query status -o tsv)",
		[]string{"name"}, func(ctx context.Context, ws *workspace) error {
			job, err := ws.client.GetJob(ctx, showName, nil)
			if err != nil {
				return err
			}
			return a.print(jobDict(job.Details()))
		})
	nameFlag(show, &showName)

	var waitName string
	wait := a.leaf("wait", "Wait for a job to end, showing its status; exit 3 if it fails or is canceled.",
		"  azmlbatch job wait -n $JOB_NAME --query status -o tsv", []string{"name"}, func(ctx context.Context, ws *workspace) error {
			job, err := ws.client.GetJob(ctx, waitName, nil)
			if err != nil {
				return err
			}
			d, waitErr := a.waitJob(ctx, ws, job)
			if err := a.print(jobDict(d)); err != nil {
				return err
			}
			return waitErr
		})
	nameFlag(wait, &waitName)

	var streamName string
	stream := a.leaf("stream", "Stream job logs to the console.", "  azmlbatch job stream -n $JOB_NAME", []string{"name"},
		func(ctx context.Context, ws *workspace) error {
			job, err := ws.client.GetJob(ctx, streamName, nil)
			if err != nil {
				return err
			}
			return a.stream(ctx, ws, job)
		})
	nameFlag(stream, &streamName)

	var cancelName string
	cancel := a.leaf("cancel", "Cancel a job.", "  azmlbatch job cancel -n $JOB_NAME", []string{"name"},
		func(ctx context.Context, ws *workspace) error {
			job, err := ws.client.GetJob(ctx, cancelName, nil)
			if err != nil {
				return err
			}
			return job.Cancel(ctx, nil)
		})
	nameFlag(cancel, &cancelName)

	var dlName, outputName, dlPath string
	var all bool
	download := a.leaf("download", "Download all job-related files.",
		"  azmlbatch job download -n $JOB_NAME --output-name score --download-path ./out", []string{"name"},
		func(ctx context.Context, ws *workspace) error {
			job, err := ws.client.GetJob(ctx, dlName, nil)
			if err != nil {
				return err
			}
			_, err = a.downloadJob(ctx, job, dlPath, outputName, all)
			return err
		})
	nameFlag(download, &dlName)
	download.PreRunE = func(*cobra.Command, []string) error {
		if all && outputName != "" {
			return usagef("use either --all or --output-name, not both")
		}
		return nil
	}
	download.Flags().StringVar(&outputName, "output-name", "", "Name of the output to download; the job's only output when not given.")
	download.Flags().BoolVar(&all, "all", false, "Download every output, each into <download-path>/named-outputs/<name>.")
	download.Flags().StringVarP(&dlPath, "download-path", "p", ".", "Local folder to download into.")

	var parent string
	var maxResults int
	list := a.leaf("list", "List jobs in a workspace.", "  azmlbatch job list --parent-job-name $JOB_NAME --query '[].{name:name, status:status}' -o table", nil,
		func(ctx context.Context, ws *workspace) error {
			out := []any{}
			if parent != "" {
				job, err := ws.client.GetJob(ctx, parent, nil)
				if err != nil {
					return err
				}
				res, err := job.Children(ctx, nil)
				if err != nil {
					return err
				}
				for _, c := range res.Children {
					out = append(out, childJobDict(c))
				}
				return a.print(out)
			}
			items, err := collect(ctx, ws.client.NewListWorkspaceJobsPager(&batchendpoint.ListWorkspaceJobsOptions{Limit: maxResults}),
				func(r batchendpoint.ListWorkspaceJobsResponse) []batchendpoint.JobDetails { return r.Jobs })
			if err != nil {
				return err
			}
			return printAll(a, items, jobDict)
		})
	list.Flags().StringVarP(&parent, "parent-job-name", "p", "", "List the child jobs of this job.")
	list.Flags().IntVarP(&maxResults, "max-results", "r", 0, "Maximum number of jobs to return (0: all).")
	return group("job", "Manage Azure ML jobs.", show, wait, stream, cancel, download, list)
}

func (a *app) dataCommand() *cobra.Command {
	var file, createName, createVersion string
	create := &cobra.Command{Use: "create", Short: "Create a data asset in a workspace.", Args: noArgs,
		Example: "  azmlbatch data create -f heart-data.yml"}
	create.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := need(cmd, "file"); err != nil {
			return err
		}
		spec, err := batchendpoint.LoadDataAssetSpec(file)
		if err != nil {
			return err
		}
		if createName != "" {
			spec.Name = createName
		}
		if createVersion != "" {
			spec.Version = createVersion
		}
		a.started()
		ws, err := a.workspace(cmd.Context())
		if err != nil {
			return err
		}
		res, err := ws.client.CreateDataAsset(cmd.Context(), spec, &batchendpoint.CreateDataAssetOptions{UploadProgress: uploadProgress(a.progress())})
		if err != nil {
			return err
		}
		return a.print(dataDict(res.DataAsset))
	}
	create.Flags().SortFlags = false
	create.Flags().StringVarP(&file, "file", "f", "", "Local path to the YAML file of the data asset (required).")
	create.Flags().StringVarP(&createName, "name", "n", "", "Name of the data asset; overrides name in the file.")
	create.Flags().StringVarP(&createVersion, "version", "v", "", "Version of the data asset; overrides version in the file.")

	var name, version, label string
	show := &cobra.Command{Use: "show", Short: "Show details for a data asset.", Args: noArgs,
		Example: "  DATA_ASSET_ID=$(azmlbatch data show -n heart-data --label latest | jq -r .id)"}
	show.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := need(cmd, "name"); err != nil {
			return err
		}
		switch {
		case version != "" && label != "":
			return usagef("use either --version/-v or --label/-l, not both")
		case version == "" && label == "":
			return usagef("give --version/-v <version> or --label/-l latest")
		case label != "" && label != "latest":
			return usagef("--label/-l %q: only the label latest is supported", label)
		case label == "latest":
			version = "latest"
		}
		a.started()
		ws, err := a.workspace(cmd.Context())
		if err != nil {
			return err
		}
		res, err := ws.client.GetDataAsset(cmd.Context(), name, version, nil)
		if err != nil {
			return err
		}
		return a.print(dataDict(res.DataAsset))
	}
	show.Flags().SortFlags = false
	show.Flags().StringVarP(&name, "name", "n", "", "Name of the data asset (required).")
	show.Flags().StringVarP(&version, "version", "v", "", "Version of the data asset.")
	show.Flags().StringVarP(&label, "label", "l", "", "Label of the data asset version: latest.")

	var listName string
	var maxResults int
	list := a.leaf("list", "List data assets in a workspace.", "  azmlbatch data list --query '[].name' -o tsv\n  azmlbatch data list -n heart-data", nil,
		func(ctx context.Context, ws *workspace) error {
			if listName != "" {
				items, err := collect(ctx, ws.client.NewListDataAssetVersionsPager(listName, &batchendpoint.ListDataAssetVersionsOptions{Limit: maxResults}),
					func(r batchendpoint.ListDataAssetVersionsResponse) []batchendpoint.DataAsset { return r.Versions })
				var nf *batchendpoint.NotFoundError
				if errors.As(err, &nf) {
					err = nil // az ml data list -n prints [] for a name without versions
				}
				if err != nil {
					return err
				}
				return printAll(a, items, dataDict)
			}
			items, err := collect(ctx, ws.client.NewListDataAssetsPager(&batchendpoint.ListDataAssetsOptions{Limit: maxResults}),
				func(r batchendpoint.ListDataAssetsResponse) []batchendpoint.DataAssetContainer { return r.DataAssets })
			if err != nil {
				return err
			}
			return printAll(a, items, dataContainerDict)
		})
	list.Flags().StringVarP(&listName, "name", "n", "", "List the versions of this data asset.")
	list.Flags().IntVarP(&maxResults, "max-results", "r", 0, "Maximum number of results (0: all).")
	return group("data", "Manage Azure ML data assets.", create, show, list)
}

func (a *app) datastoreCommand() *cobra.Command {
	var name string
	show := a.leaf("show", "Show details for a datastore.", "  DATA_STORE_ID=$(azmlbatch datastore show -n workspaceblobstore | jq -r '.id')",
		[]string{"name"}, func(ctx context.Context, ws *workspace) error {
			res, err := ws.client.GetDatastore(ctx, name, nil)
			if err != nil {
				return err
			}
			return a.print(datastoreDict(res.Datastore))
		})
	show.Flags().StringVarP(&name, "name", "n", "", "Name of the datastore (required).")
	list := a.leaf("list", "List datastores in a workspace.", "  azmlbatch datastore list --query '[].name' -o tsv", nil,
		func(ctx context.Context, ws *workspace) error {
			items, err := collect(ctx, ws.client.NewListDatastoresPager(nil),
				func(r batchendpoint.ListDatastoresResponse) []batchendpoint.Datastore { return r.Datastores })
			if err != nil {
				return err
			}
			return printAll(a, items, datastoreDict)
		})
	return group("datastore", "Manage Azure ML datastores.", show, list)
}

// validName checks an endpoint name given with flag before any request; an
// empty name is left to the required-flag check.
func validName(name, flag string) error {
	if name == "" {
		return nil
	}
	if err := batchendpoint.ValidateEndpointName(name); err != nil {
		var ve *batchendpoint.ValidationError
		if errors.As(err, &ve) {
			e := *ve
			e.Field = flag
			return &e
		}
		return err
	}
	return nil
}
