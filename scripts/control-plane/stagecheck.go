// stagecheck: for fixture Pods and PersistentVolumes, lists every Stage in a kwok config that
// matches (kwok's own lifecycle.ListAllPossible, the function kwok-controller picks from) and fails
// unless exactly the expected Stage matches. kwok picks one of several matching Stages at random,
// so an overlap (say pod-complete also matching a Job pod annotated apwiz.test/fail) would make
// tests flaky rather than fail outright; this check is deterministic.
//
// Run through `scripts/control-plane.sh check-stages`, which builds it in a throwaway module
// against the pinned kwok version (no go.mod here, so the version stays pinned in one place).
package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kwok/pkg/apis/internalversion"
	"sigs.k8s.io/kwok/pkg/config"
	"sigs.k8s.io/kwok/pkg/utils/lifecycle"
	"sigs.k8s.io/yaml"
)

type fixture struct {
	name   string
	want   string
	object string
}

func pod(phase, meta string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns\n%s\nspec:\n  nodeName: node-000000\n  containers: [{name: c, image: i}]\nstatus:\n  phase: %s\n", meta, phase)
}

const jobOwner = "  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: j, uid: u, controller: true}]"
const rsOwner = "  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: r, uid: u, controller: true}]"

func pv(phase, labels string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: v\n%s\nspec:\n  storageClassName: standard\n  claimRef: {name: c, namespace: ns}\nstatus:\n  phase: %s\n", labels, phase)
}

func main() {
	ctx := context.Background()
	objs, err := config.Load(ctx, os.Args[1])
	if err != nil {
		panic(err)
	}
	stages := config.FilterWithType[*internalversion.Stage](objs)
	fmt.Printf("%d stages loaded\n", len(stages))

	fixtures := []fixture{
		{"pending bare pod", "pod-ready", pod("Pending", "")},
		{"pending pod annotated fail", "pod-ready", pod("Pending", "  annotations: {apwiz.test/fail: \"true\"}")},
		{"running bare pod", "", pod("Running", "")},
		{"running ReplicaSet pod", "", pod("Running", rsOwner)},
		{"running ReplicaSet pod annotated fail", "pod-fail", pod("Running", rsOwner+"\n  annotations: {apwiz.test/fail: \"true\"}")},
		{"running Job pod", "pod-complete", pod("Running", jobOwner)},
		{"running Job pod, fail=false", "pod-complete", pod("Running", jobOwner+"\n  annotations: {apwiz.test/fail: \"false\"}")},
		{"running Job pod annotated fail", "pod-fail", pod("Running", jobOwner+"\n  annotations: {apwiz.test/fail: \"true\"}")},
		{"running Job pod with helm.sh/hook", "pod-complete", pod("Running", jobOwner+"\n  annotations: {helm.sh/hook: test}")},
		{"running bare helm test pod", "pod-complete-helm-hook", pod("Running", "  annotations: {helm.sh/hook: test}")},
		{"running bare pre-install,post-upgrade hook pod", "pod-complete-helm-hook", pod("Running", "  annotations: {helm.sh/hook: \"pre-install,post-upgrade\"}")},
		{"running bare helm test pod annotated fail", "pod-fail", pod("Running", "  annotations: {helm.sh/hook: test, apwiz.test/fail: \"true\"}")},
		{"running bare pod annotated fail", "pod-fail", pod("Running", "  annotations: {apwiz.test/fail: \"true\"}")},
		{"terminating pod annotated fail", "pod-delete", pod("Running", "  deletionTimestamp: \"2026-01-01T00:00:00Z\"\n  annotations: {apwiz.test/fail: \"true\"}")},
		{"terminating Job pod", "pod-delete", pod("Running", jobOwner+"\n  deletionTimestamp: \"2026-01-01T00:00:00Z\"")},
		{"succeeded helm test pod", "", pod("Succeeded", "  annotations: {helm.sh/hook: test}")},
		{"failed pod annotated fail", "", pod("Failed", "  annotations: {apwiz.test/fail: \"true\"}")},
		{"released pool PV", "pv-recycle", pv("Released", "  labels: {apwiz.dev/pv-pool: standard}")},
		{"bound pool PV", "", pv("Bound", "  labels: {apwiz.dev/pv-pool: standard}")},
		{"released PV outside the pool", "", pv("Released", "")},
	}
	failed := 0
	for _, f := range fixtures {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(f.object), &u.Object); err != nil {
			panic(fmt.Sprintf("%s: %v", f.name, err))
		}
		gvk := u.GroupVersionKind()
		ref := internalversion.StageResourceRef{APIGroup: gvk.GroupVersion().String(), Kind: gvk.Kind}
		var mine []*internalversion.Stage
		for _, s := range stages {
			if s.Spec.ResourceRef == ref {
				mine = append(mine, s)
			}
		}
		lc, err := lifecycle.NewLifecycle(mine)
		if err != nil {
			panic(err)
		}
		got, err := lc.ListAllPossible(ctx, &lifecycle.Event{Labels: u.GetLabels(), Annotations: u.GetAnnotations(), Data: u.Object})
		if err != nil {
			panic(fmt.Sprintf("%s: %v", f.name, err))
		}
		var names []string
		for _, s := range got {
			names = append(names, s.Name())
		}
		sort.Strings(names)
		res := "ok  "
		if strings.Join(names, ",") != f.want {
			res = "FAIL"
			failed++
		}
		fmt.Printf("%s %-48s matches [%s] (want [%s])\n", res, f.name, strings.Join(names, ","), f.want)
	}
	if failed > 0 {
		fmt.Printf("%d fixture(s) failed\n", failed)
		os.Exit(1)
	}
}
