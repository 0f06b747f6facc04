#include "app/main_window.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QStackedWidget>
#include <QStatusBar>

#include "app/backend_client.h"
#include "widgets/placeholder_page.h"

namespace glossa {

MainWindow::MainWindow(const QString& project_name, app::BackendClient* backend,
                       QWidget* parent)
    : QMainWindow(parent),
      navigation_(new QListWidget),
      pages_(new QStackedWidget),
      connection_(new QLabel(tr("backend: not connected"))) {
  setWindowTitle(QStringLiteral("%1 — Glossa").arg(project_name));
  navigation_->setFixedWidth(160);
  auto* central = new QWidget(this);
  auto* layout = new QHBoxLayout(central);
  layout->addWidget(navigation_);
  layout->addWidget(pages_, 1);
  setCentralWidget(central);

  addPage(tr("Corpus"), tr("Add corpus files, scan them, see statistics and clean them."));
  addPage(tr("Tokenizer"), tr("Train SentencePiece tokenizers and compare them side by side."));
  addPage(tr("Vocabulary"), tr("Curate the extended vocabulary by token frequency (EEVE)."));
  addPage(tr("Model"), tr("Open a base model, resize and initialise its embeddings."));
  addPage(tr("Stages"), tr("Design the freeze schedule: which parameters train in which stage."));
  addPage(tr("Runs"), tr("Start training runs and watch loss and held-out curves live."));
  addPage(tr("Benchmarks"), tr("KoBEST and German task curves over the tokens seen."));
  connect(navigation_, &QListWidget::currentRowChanged, pages_, &QStackedWidget::setCurrentIndex);
  navigation_->setCurrentRow(0);
  statusBar()->showMessage(tr("Project: %1").arg(project_name));
  statusBar()->addPermanentWidget(connection_);
  if (backend) {
    const auto show = [this](app::BackendClient::State, const QString& text) {
      connection_->setText(tr("backend: %1").arg(text.isEmpty() ? tr("not connected") : text));
    };
    connect(backend, &app::BackendClient::stateChanged, this, show);
    show(backend->state(), backend->state_text());
  }
  resize(1100, 720);
}

void MainWindow::addPage(const QString& title, const QString& description) {
  navigation_->addItem(title);
  pages_->addWidget(new PlaceholderPage(title, description));
}

QStringList MainWindow::pageTitles() const {
  QStringList titles;
  for (int i = 0; i < navigation_->count(); ++i) titles << navigation_->item(i)->text();
  return titles;
}

void MainWindow::showPage(int index) { navigation_->setCurrentRow(index); }
int MainWindow::currentPage() const { return pages_->currentIndex(); }
QString MainWindow::connectionText() const { return connection_->text(); }

}  // namespace glossa
