// The task object exactly as Kling shows it: in GET answers, list answers and callback bodies.
import type { SimTask } from './tasks.js';

export interface KlingTask {
  task_id: string;
  task_status: SimTask['status'];
  task_status_msg: string;
  task_info: { external_task_id?: string };
  created_at: number;
  updated_at: number;
  task_result?: { videos: { id: string; url: string; duration: string }[] };
  final_unit_deduction?: string;
}

export function videoUrl(baseUrl: string, taskId: string): string {
  return `${baseUrl}/_sim/videos/${taskId}.mp4`;
}

export function toKlingTask(task: SimTask, baseUrl: string): KlingTask {
  const view: KlingTask = {
    task_id: task.id,
    task_status: task.status,
    task_status_msg: task.statusMsg,
    task_info: task.externalTaskId === undefined ? {} : { external_task_id: task.externalTaskId },
    created_at: task.createdAt,
    updated_at: task.updatedAt,
  };
  if (task.status === 'succeed') {
    view.task_result = { videos: [{ id: task.videoId, url: videoUrl(baseUrl, task.id), duration: task.duration }] };
  }
  if (task.status === 'succeed' || task.status === 'failed') {
    // Kling bills finished generations only; failed ones are refunded.
    view.final_unit_deduction = task.status === 'succeed' ? task.units : '0';
  }
  return view;
}
