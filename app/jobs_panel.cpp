#include "app/jobs_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

#include "app/backend_client.h"
#include "app/job_list_model.h"

namespace glossa::app {

namespace {

// Draws the progress column as a progress bar (the model's kFractionRole).
class ProgressDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override {
    const double f = index.data(JobListModel::kFractionRole).toDouble();
    if (f < 0) return QStyledItemDelegate::paint(painter, option, index);
    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(2, 2, -2, -2);
    bar.minimum = 0;
    bar.maximum = 1000;
    bar.progress = int(f * 1000);
    bar.text = QStringLiteral("%1 %").arg(int(f * 100));
    bar.textVisible = true;
    bar.state = option.state | QStyle::State_Horizontal;
    option.widget->style()->drawControl(QStyle::CE_ProgressBar, &bar, painter, option.widget);
  }
};

}  // namespace

JobsPanel::JobsPanel(BackendClient* client, QWidget* parent)
    : QWidget(parent), client_(client), model_(new JobListModel(this)), view_(new QTableView),
      cancel_(new QPushButton(tr("Cancel job"))), details_(new QPushButton(tr("Details…"))) {
  view_->setModel(model_);
  view_->setItemDelegateForColumn(JobListModel::kProgress, new ProgressDelegate(view_));
  view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  view_->setSelectionMode(QAbstractItemView::SingleSelection);
  view_->verticalHeader()->hide();
  view_->horizontalHeader()->setStretchLastSection(true);
  auto* buttons = new QHBoxLayout;
  buttons->addStretch(1);
  buttons->addWidget(details_);
  buttons->addWidget(cancel_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(view_, 1);
  layout->addLayout(buttons);
  connect(cancel_, &QPushButton::clicked, this, &JobsPanel::cancel_selected);
  connect(details_, &QPushButton::clicked, this, &JobsPanel::show_detail);
  connect(view_, &QTableView::doubleClicked, this, &JobsPanel::show_detail);
  connect(client_, &BackendClient::connected, this, &JobsPanel::reload);
  connect(client_, &BackendClient::notification, this, &JobsPanel::on_notification);
  client_->subscribe({{"jobs", true}});
  if (client_->state() == BackendClient::State::kConnected) reload();
}

void JobsPanel::reload() {
  client_->call("job.list", nlohmann::json::object(),
                [this](const nlohmann::json& r, const protocol::RpcError* e) {
                  if (!e) model_->reset(r.at("jobs"));
                });
}

void JobsPanel::on_notification(const QString& method, const nlohmann::json& params) {
  if (!model_->apply(method, params)) return;
  client_->call("job.get", {{"id", params.value("id", int64_t(0))}},
                [this](const nlohmann::json& r, const protocol::RpcError* e) {
                  if (!e) model_->upsert(r.at("job"));
                });
}

void JobsPanel::cancel_selected() {
  const QModelIndexList rows = view_->selectionModel()->selectedRows();
  if (rows.isEmpty()) return;
  const qint64 id = rows.front().data(JobListModel::kIdRole).toLongLong();
  client_->call("job.cancel", {{"id", id}}, [this](const nlohmann::json& r, const protocol::RpcError* e) {
    if (e) QMessageBox::warning(this, tr("Cancel job"), QString::fromStdString(e->message));
    else model_->upsert(r.at("job"));
  });
}

QString JobsPanel::detail_of_selected() const {
  const QModelIndexList rows = view_->selectionModel()->selectedRows();
  if (rows.isEmpty()) return {};
  const QModelIndex message = rows.front().siblingAtColumn(JobListModel::kMessage);
  const QString detail = message.data(Qt::ToolTipRole).toString();
  return detail.isEmpty() ? message.data(Qt::DisplayRole).toString() : detail;
}

void JobsPanel::show_detail() {
  const QModelIndexList rows = view_->selectionModel()->selectedRows();
  if (rows.isEmpty()) return;
  QMessageBox box(this);
  box.setWindowTitle(tr("Job %1").arg(rows.front().data(JobListModel::kIdRole).toLongLong()));
  box.setText(rows.front().siblingAtColumn(JobListModel::kMessage).data().toString());
  box.setDetailedText(detail_of_selected());
  box.exec();
}

}  // namespace glossa::app
